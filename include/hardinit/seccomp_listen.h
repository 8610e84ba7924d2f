// --seccomp-learn and --seccomp-log: filters that report system calls to PID 1 through
// seccomp user notification, PID 1's side of the notifications, and the learned profile
// (design.md §3.12). Zone: parent.
//
// The child loads the filter with SECCOMP_FILTER_FLAG_NEW_LISTENER and sends the listener to
// PID 1 over a socketpair made before the fork; from then on the child's calls wait for PID
// 1's answers, so PID 1 services the listener while it waits for the child's exec record, and
// for the rest of its life in the supervisor loop.
#ifndef HARDINIT_SECCOMP_LISTEN_H_
#define HARDINIT_SECCOMP_LISTEN_H_

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hardinit/cli.h"
#include "hardinit/seccomp.h"
#include "hardinit/seccomp_profile.h"

namespace hardinit {

enum class ListenMode { kLearn, kLog };

// The oldest kernel with SECCOMP_USER_NOTIF_FLAG_CONTINUE (Linux 5.5).
inline constexpr int kListenMinKernelMajor = 5;
inline constexpr int kListenMinKernelMinor = 5;

// The filter's one exemption, in front of everything else: on the native architecture,
// sendmsg(socket_fd, message, ...) with exactly these two arguments (the child's hand-over of
// the listener), and exit_group(kListenerHandoverFailedExit) (the child's way out when the
// hand-over failed; in learn mode exit and exit_group whatever their arguments) are allowed
// unreported. Any other call goes on: for
// kLearn, SECCOMP_RET_USER_NOTIF for every call and architecture; for kLog, the profile's own
// program with each ERRNO return turned into SECCOMP_RET_USER_NOTIF (KILL, TRAP and the
// other actions stay as they are: design.md §3.12).
bool BuildReportingFilter(ListenMode mode, const std::vector<sock_filter>& profile,
                          const std::string& target_arch, int socket_fd, const void* message,
                          std::vector<sock_filter>* out, std::string* err);

// PID 1's own rule set for a supervisor that services a listener `listener_fd`: the base set
// (SupervisorSeccompRules) plus ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_RECV|SEND|ID_VALID)
// and, in learn mode, fsync, renameat and unlinkat for writing the profile.
SeccompRuleSet SupervisorListenerRules(std::string_view target_arch, int listener_fd,
                                       ListenMode mode);

// The calls a container whose entrypoint is hardinit makes under the container's profile
// besides the program's own (design.md §3.12), which learning cannot observe: every learned
// file includes them, so that it loads unchanged with `--seccomp FILE`, `docker run
// --security-opt seccomp=FILE` (runc) and `podman run --security-opt seccomp=FILE` (crun).
// HardinitOwnCalls: PID 1's supervisor set (SupervisorSeccompRules) and the measured rest of
// hardinit (start-up, the child before the program's execve, the listener's hand-over,
// `hardinit health`, --inspect). RuntimeCalls: what runc and crun call after installing the
// profile and before the entrypoint's execve.
std::set<std::string> HardinitOwnCalls();
std::set<std::string> RuntimeCalls();
std::set<std::string> EntrypointCalls();  // the union of both

// The Docker/OCI profile for `names` (sorted, unique): defaultAction SCMP_ACT_ERRNO,
// defaultErrnoRet 1, `architectures`, one ALLOW entry; one name a line, so that a diff between
// two runs shows added and removed calls line by line.
std::string FormatLearnedProfile(const std::set<std::string>& names,
                                 const std::vector<std::string>& architectures);

// The call names of a profile FormatLearnedProfile could have written (ALLOW entries without
// conditions, default ERRNO): what a new run is merged with. Anything else is refused.
bool ParseLearnedProfile(std::string_view json, std::set<std::string>* names, std::string* err);

// One answered notification, for the log line and the tests.
struct DeniedCall {
  int pid = 0;
  std::string comm;
  std::string name;  // the call's name, or "syscall N" when libseccomp does not know it
  std::string args;  // "flags=CLONE_NEWUSER|0x11" or "family=40, type=1": what the profile read
  int error = 0;     // the errno the call fails with
};

// The call name of (audit arch, number), as libseccomp's tables have it; "" when unknown.
std::string SyscallNameFor(uint32_t audit_arch, int nr);

// PID 1's end: the socketpair, the message the child sends, the listener once received, what
// was recorded or logged. Not copyable or movable: the plan points at the message.
class SeccompListener {
 public:
  SeccompListener(ListenMode mode, std::string profile_name);
  ~SeccompListener();
  SeccompListener(const SeccompListener&) = delete;
  SeccompListener& operator=(const SeccompListener&) = delete;

  // The socketpair and the notification buffers' sizes (SECCOMP_GET_NOTIF_SIZES).
  bool Open(std::string* err);
  int child_socket() const { return sockets_[1]; }
  msghdr* message() { return &message_; }
  ListenMode mode() const { return mode_; }

  // Learn mode: where the profile goes. Reads an existing FILE (merged at the end), opens its
  // directory and creates the temporary file now, while hardinit still has its privileges
  // and can still refuse to start. PID 1 renames it with its dropped ids (`writer`), so the
  // directory's mode must let those write; the temporary file is created as the program's
  // user.
  struct Writer {
    uid_t uid = 0;
    gid_t gid = 0;
    bool chown = false;  // hardinit switches ids: create the temporary file as `uid`
    gid_t file_gid = 0;  // and the program's group (PID 1's own gid is one the program lacks)
  };
  bool PrepareLearnFile(const std::string& path, std::vector<std::string> architectures,
                        const Writer& writer, std::string* err);
  // Log mode: the profile's program as compiled, run on each notification for its errno.
  void SetProfileProgram(std::vector<sock_filter> program) { profile_ = std::move(program); }

  // After the fork: closes the child's end and waits for the listener. False (with *err)
  // when the socket failed; true with no listener (fd() == -1) when the child ended before it
  // sent one (it failed before its filter, and its record says why).
  bool Receive(std::string* err);
  int fd() const { return listener_; }

  // poll() reported fd() readable: answers one notification. Never blocks for long: a
  // notification whose caller died meanwhile makes the receive fail with ENOENT.
  void Service();
  // poll() reported POLLHUP or POLLERR without POLLIN: no process uses the filter any more.
  void Close();

  // Learn mode: writes the union of the existing FILE and the recorded calls to the
  // temporary file, fsyncs it and renames it over FILE.
  bool WriteLearnedProfile(std::string* err);
  std::set<std::string> LearnedNames() const;
  size_t notifications() const { return notifications_; }

 private:
  void Record(const seccomp_notif& request);
  void Deny(const seccomp_notif& request);
  std::string NameOf(uint32_t arch, int nr);

  const ListenMode mode_;
  const std::string profile_name_;
  int sockets_[2] = {-1, -1};  // [0] PID 1's end, [1] the child's
  int listener_ = -1;
  char payload_ = 'L';
  iovec iov_{};
  alignas(cmsghdr) char control_[CMSG_SPACE(sizeof(int))] = {};
  msghdr message_{};
  seccomp_notif_sizes sizes_{};
  std::vector<unsigned char> request_buffer_;
  std::vector<unsigned char> response_buffer_;
  size_t notifications_ = 0;

  std::set<std::pair<uint32_t, int>> seen_;  // (audit arch, number)
  std::map<std::pair<uint32_t, int>, std::string> names_;

  // Learn mode.
  std::string path_;
  std::string base_name_;
  std::string temp_name_;
  int dir_fd_ = -1;
  int temp_fd_ = -1;
  std::set<std::string> existing_;
  std::vector<std::string> architectures_;

  // Log mode.
  std::vector<sock_filter> profile_;
  std::set<std::string> logged_;  // comm + '\0' + call
};

// The reporting part of PrepareConfinement: for --seccomp-learn replaces `program` with the
// learn filter, for --seccomp-log wraps it; creates the listener. Nothing when neither flag
// is given.
bool PrepareSeccompListener(const Options& options, const SeccompContext& context,
                            const SeccompListener::Writer& writer, SeccompProgram* program,
                            std::unique_ptr<SeccompListener>* out, std::string* err);

// PID 1's filter when it services `listener` (compiled, not precompiled: the fd number is in
// it).
bool PrepareSupervisorListenerSeccomp(const SeccompListener& listener, SeccompProgram* out,
                                      std::string* err);

}  // namespace hardinit

#endif  // HARDINIT_SECCOMP_LISTEN_H_
