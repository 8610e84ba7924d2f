// --seccomp-learn and --seccomp-log (design.md §3.12). Zone: parent.
#include "hardinit/seccomp_listen.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <spdlog/spdlog.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "hardinit/bpf_interpreter.h"
#include "hardinit/child_error.h"
#include "hardinit/error.h"
#include "hardinit/file_util.h"
#include "hardinit/log.h"
#include "hardinit/seccomp_arch.h"
#include "hardinit/seccomp_bpf_asm.h"
#include "hardinit/seccomp_compile.h"
#include "hardinit/seccomp_profile.h"

namespace hardinit {
namespace {

// Offsets in struct seccomp_data of the low and high 32 bits of argument `index`.
constexpr uint32_t ArgLow(unsigned index) {
  return offsetof(seccomp_data, args) + 8 * index +
         (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 0 : 4);
}
constexpr uint32_t ArgHigh(unsigned index) {
  return offsetof(seccomp_data, args) + 8 * index +
         (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 4 : 0);
}

// Not an action the kernel knows: marks the prefix's "not exempt" exits until they are
// replaced by the learn return or a jump into the profile.
constexpr uint32_t kNotExemptMarker = 0x7ffe1ea7;

bool IsErrnoReturn(const sock_filter& insn) {
  return insn.code == (BPF_RET | BPF_K) && (insn.k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO;
}

std::string Hex(uint64_t value) { return fmt::format("{:#x}", value); }

std::string FormatArg(uint64_t value) {
  // Small values read better in decimal (socket(family=40)), flags in hex.
  return value < 4096 ? std::to_string(value) : Hex(value);
}

// The names of the arguments that Docker's and hardinit's profiles condition on, as the man
// pages call them; any other argument is "argN".
std::string ArgName(const std::string& call, unsigned index) {
  static const std::map<std::string, std::vector<const char*>> kNames = {
      {"socket", {"family", "type", "protocol"}},
      {"socketpair", {"family", "type", "protocol"}},
      {"clone", {"flags"}},
      {"unshare", {"flags"}},
      {"setns", {"fd", "nstype"}},
      {"ioctl", {"fd", "request"}},
      {"personality", {"persona"}},
      {"prctl", {"option", "arg2"}},
      {"mprotect", {"addr", "len", "prot"}},
      {"mmap", {"addr", "len", "prot", "flags"}},
  };
  auto it = kNames.find(call);
  if (it != kNames.end() && index < it->second.size()) return it->second[index];
  return "arg" + std::to_string(index);
}

// clone(2)'s and unshare(2)'s namespace flags by name, the rest in hex:
// "CLONE_NEWUSER|0x11".
std::string CloneFlags(uint64_t flags) {
  static constexpr std::pair<uint64_t, const char*> kFlags[] = {
      {0x00000080, "CLONE_NEWTIME"}, {0x00020000, "CLONE_NEWNS"},  {0x02000000, "CLONE_NEWCGROUP"},
      {0x04000000, "CLONE_NEWUTS"},  {0x08000000, "CLONE_NEWIPC"}, {0x10000000, "CLONE_NEWUSER"},
      {0x20000000, "CLONE_NEWPID"},  {0x40000000, "CLONE_NEWNET"}};
  std::string text;
  for (const auto& [bit, name] : kFlags) {
    if ((flags & bit) == 0) continue;
    text += (text.empty() ? "" : "|") + std::string(name);
    flags &= ~bit;
  }
  if (flags != 0 || text.empty()) text += (text.empty() ? "" : "|") + Hex(flags);
  return text;
}

std::string FormatCallArg(const std::string& call, unsigned index, uint64_t value) {
  const std::string name = ArgName(call, index);
  if ((call == "clone" || call == "unshare") && index == 0) return name + "=" + CloneFlags(value);
  return name + "=" + FormatArg(value);
}

}  // namespace

bool BuildReportingFilter(ListenMode mode, const std::vector<sock_filter>& profile,
                          const std::string& target_arch, int socket_fd, const void* message,
                          std::vector<sock_filter>* out, std::string* err) {
  const std::vector<const SeccompArch*> arches = SeccompTargetArches(target_arch);
  if (arches.empty()) {
    *err = "no seccomp architecture for " + target_arch;
    return false;
  }
  const SeccompArch& native = *arches.front();
  const auto sendmsg_nr = SeccompSyscallNumber(native, "sendmsg");
  const auto exit_group_nr = SeccompSyscallNumber(native, "exit_group");
  const auto exit_nr = SeccompSyscallNumber(native, "exit");
  if (!sendmsg_nr || !exit_group_nr || !exit_nr) {
    *err = std::string(native.name) + " has no sendmsg, exit or exit_group";
    return false;
  }
  const uint64_t address = reinterpret_cast<uintptr_t>(message);
  BpfAssembler bpf;
  const auto not_exempt = bpf.ReturnLabel(kNotExemptMarker);
  const auto allow = bpf.ReturnLabel(SECCOMP_RET_ALLOW);
  const auto native_arch = bpf.NewLabel();
  const auto other_call = bpf.NewLabel();
  const auto send = bpf.NewLabel();
  const auto send_address = bpf.NewLabel();
  const auto send_address_high = bpf.NewLabel();
  const bool learn = mode == ListenMode::kLearn;
  const auto exit = learn ? not_exempt : bpf.NewLabel();
  bpf.Load(offsetof(seccomp_data, arch));
  bpf.Jump(BPF_JEQ, native.audit_arch, native_arch, not_exempt);
  bpf.Bind(native_arch);
  bpf.Load(offsetof(seccomp_data, nr));
  if (learn) {
    // Learn mode lets a process end without PID 1: a program whose learner broke gets ENOSYS
    // for everything else and can still exit instead of looping in glibc's _exit(). Both calls
    // are in every learned profile.
    const auto not_exit = bpf.NewLabel();
    bpf.Jump(BPF_JEQ, *exit_nr, allow, not_exit);
    bpf.Bind(not_exit);
    bpf.Jump(BPF_JEQ, *exit_group_nr, allow, other_call);
    bpf.Bind(other_call);
    bpf.Jump(BPF_JEQ, *sendmsg_nr, send, not_exempt);
  } else {
    bpf.Jump(BPF_JEQ, *sendmsg_nr, send, other_call);
    bpf.Bind(other_call);
    bpf.Jump(BPF_JEQ, *exit_group_nr, exit, not_exempt);
  }
  bpf.Bind(send);
  // The kernel reads the fd as an int: only its low 32 bits count.
  bpf.Load(ArgLow(0));
  bpf.Jump(BPF_JEQ, static_cast<uint32_t>(socket_fd), send_address, not_exempt);
  bpf.Bind(send_address);
  bpf.Load(ArgLow(1));
  bpf.Jump(BPF_JEQ, static_cast<uint32_t>(address), send_address_high, not_exempt);
  bpf.Bind(send_address_high);
  bpf.Load(ArgHigh(1));
  bpf.Jump(BPF_JEQ, static_cast<uint32_t>(address >> 32), allow, not_exempt);
  if (!learn) {
    bpf.Bind(exit);
    bpf.Load(ArgLow(0));
    bpf.Jump(BPF_JEQ, static_cast<uint32_t>(kListenerHandoverFailedExit), allow, not_exempt);
  }
  std::vector<sock_filter> prefix;
  if (!bpf.Finish(&prefix, err)) return false;

  out->clear();
  for (size_t i = 0; i < prefix.size(); ++i) {
    sock_filter insn = prefix[i];
    if (insn.code == (BPF_RET | BPF_K) && insn.k == kNotExemptMarker) {
      if (mode == ListenMode::kLearn) {
        insn.k = SECCOMP_RET_USER_NOTIF;
      } else {
        // Into the profile, which starts right after the prefix.
        insn = BPF_STMT(BPF_JMP | BPF_JA, static_cast<uint32_t>(prefix.size() - i - 1));
      }
    }
    out->push_back(insn);
  }
  if (mode == ListenMode::kLog) {
    size_t rewritten = 0;
    for (sock_filter insn : profile) {
      if (insn.code == (BPF_RET | BPF_A)) {
        *err =
            "the profile's program returns a computed action; --seccomp-log cannot tell "
            "which of its returns deny";
        return false;
      }
      if (IsErrnoReturn(insn)) {
        insn.k = SECCOMP_RET_USER_NOTIF;
        ++rewritten;
      }
      out->push_back(insn);
    }
    if (rewritten == 0) {
      *err =
          "the profile never answers with an errno: --seccomp-log has nothing to report "
          "(KILL and TRAP actions stay as they are)";
      return false;
    }
  }
  if (out->size() > kMaxBpfInstructions) {
    *err = "the reporting filter has " + std::to_string(out->size()) +
           " instructions, more "
           "than the kernel's " +
           std::to_string(kMaxBpfInstructions);
    return false;
  }
  return ValidateSeccompBpf(*out, err);
}

namespace {

// hardinit's calls outside PID 1's supervisor set, measured on x86_64 with `strace -f` of
// hardinit in a PID namespace across its modes (scripts/measure-hardinit-calls.sh: default,
// strict, JSON and .bpf profiles, --user/--groups/--cap-keep, Landlock, --seccomp-log, a
// grace stop, forwarded signals, reaped zombies, --file-env, --exec, --inspect, `hardinit
// health`, `hardinit seccomp check`). readlinkat is aarch64's name for x86_64's readlink
// (the other calls have the same name on both; poll's ppoll is in the supervisor set).
// A call missing here fails the integration test that runs hardinit under a learned profile
// (seccomp_learn_test.cc, HardinitRunsUnderALearnedProfileLoadedFromOutside).
constexpr std::array kHardinitCalls = {
    // start-up (static glibc) and the command line
    "arch_prctl",
    "brk",
    "execve",
    "mprotect",
    "prlimit64",
    "readlink",
    "readlinkat",
    "rseq",
    "set_robust_list",
    "set_tid_address",
    "uname",
    "ioctl",
    "getrandom",
    // identity and capabilities, in PID 1 and in the child
    "capget",
    "capset",
    "getuid",
    "geteuid",
    "getgid",
    "getgroups",
    "getresuid",
    "getresgid",
    "setgroups",
    "setresgid",
    "setresuid",
    "prctl",
    "chdir",
    "setpgid",
    // files: profiles, account files, --file-env, /proc
    "openat",
    "read",
    "lseek",
    "close",
    "close_range",
    "fstatfs",
    "newfstatat",
    // the child and its hand-over
    "clone",
    "pipe2",
    "socketpair",
    "sendmsg",
    "recvmsg",
    "seccomp",
    "landlock_create_ruleset",
    "landlock_add_rule",
    "landlock_restrict_self",
    "rt_sigaction",
    "rt_sigprocmask",
    // supervising
    "signalfd4",
    "timerfd_create",
    "timerfd_settime",
    "poll",
    "wait4",
    "kill",
    "getpid",
    "getppid",
    "write",
    "exit_group",
    // hardinit health (a HEALTHCHECK runs under the container's profile)
    "socket",
    "connect",
    "getsockopt",
    "sendto",
    "recvfrom",
};

// runc 1.1.5 (Debian 12): the calls of its init process (its thread that installs the profile
// and the Go runtime's other threads) from prctl(PR_SET_SECCOMP) to the entrypoint's execve,
// traced with `strace -f` under `runc run` of a bundle and under Podman's create/start (which
// waits on the exec fifo), as uid 1000, without no-new-privileges, with an allow-all profile;
// and, under Docker, those found by removing calls from a working profile one at a time
// (clone3, close_range and pread64 were found only that way). docs/seccomp.md lists them.
constexpr std::array kRuncCalls = {
    "capget",    "capset",      "chdir",      "clone3",     "close",      "close_range",
    "epoll_ctl", "epoll_pwait", "execve",     "faccessat2", "fchown",     "fcntl",
    "fstat",     "fstatfs",     "futex",      "getcwd",     "getdents64", "getpid",
    "getppid",   "nanosleep",   "newfstatat", "openat",     "pread64",    "prctl",
    "read",      "sched_yield", "setgid",     "setgroups",  "setuid",     "write",
};

// crun 1.8.1 (Debian 12): the calls of the container's process from its
// seccomp(SECCOMP_SET_MODE_FILTER) to its execve, traced with `strace -f` under `crun run` of
// a bundle and under Podman's create/start (pselect6: the wait for `crun start`), as root and
// as uid 1000, without noNewPrivileges (with it, crun installs the profile last: close and
// execve only).
constexpr std::array kCrunCalls = {
    "capset",       "close",          "execve",    "prctl",     "pselect6",
    "rt_sigaction", "rt_sigprocmask", "setresgid", "setresuid", "write",
};

}  // namespace

std::set<std::string> HardinitOwnCalls() {
  std::set<std::string> names(kHardinitCalls.begin(), kHardinitCalls.end());
  // PID 1's own filter bounds what it calls for the rest of its life: its allow list is part
  // of the set, so the two cannot drift apart. Its names are the same for every arch.
  for (const SeccompRule& rule : SupervisorSeccompRules("").rules) {
    names.insert(rule.name);
  }
  return names;
}

std::set<std::string> RuntimeCalls() {
  std::set<std::string> names(kRuncCalls.begin(), kRuncCalls.end());
  names.insert(kCrunCalls.begin(), kCrunCalls.end());
  return names;
}

std::set<std::string> EntrypointCalls() {
  std::set<std::string> names = HardinitOwnCalls();
  names.merge(RuntimeCalls());
  return names;
}

SeccompRuleSet SupervisorListenerRules(std::string_view target_arch, int listener_fd,
                                       ListenMode mode) {
  SeccompRuleSet set = SupervisorSeccompRules(target_arch);
  const auto fd = static_cast<uint64_t>(listener_fd);
  for (unsigned long request :
       {SECCOMP_IOCTL_NOTIF_RECV, SECCOMP_IOCTL_NOTIF_SEND, SECCOMP_IOCTL_NOTIF_ID_VALID}) {
    set.rules.push_back(SeccompRule{
        "ioctl", SCMP_ACT_ALLOW, {{0, fd, 0, SCMP_CMP_EQ}, {1, request, 0, SCMP_CMP_EQ}}});
  }
  if (mode == ListenMode::kLearn) {
    // glibc's renameat() is renameat2() where the kernel has no renameat (riscv64).
    for (const char* name : {"fsync", "renameat", "renameat2", "unlinkat"}) {
      set.rules.push_back(SeccompRule{name, SCMP_ACT_ALLOW, {}});
    }
  }
  return set;
}

std::string FormatLearnedProfile(const std::set<std::string>& names,
                                 const std::vector<std::string>& architectures) {
  std::string text =
      "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"defaultErrnoRet\": 1,\n"
      "  \"architectures\": [";
  for (size_t i = 0; i < architectures.size(); ++i) {
    text += (i == 0 ? "\n    \"" : ",\n    \"") + architectures[i] + "\"";
  }
  text += "\n  ],\n  \"syscalls\": [\n    {\n      \"names\": [";
  size_t i = 0;
  for (const std::string& name : names) {
    text += (i++ == 0 ? "\n        \"" : ",\n        \"") + name + "\"";
  }
  text += "\n      ],\n      \"action\": \"SCMP_ACT_ALLOW\"\n    }\n  ]\n}\n";
  return text;
}

bool ParseLearnedProfile(std::string_view json, std::set<std::string>* names, std::string* err) {
  SeccompProfile profile;
  if (!ParseSeccompProfile(json, &profile, err)) return false;
  if (profile.default_action != SCMP_ACT_ERRNO(1)) {
    *err =
        "its defaultAction is not SCMP_ACT_ERRNO with defaultErrnoRet 1: not a learned "
        "profile (learn into a new file)";
    return false;
  }
  for (size_t i = 0; i < profile.syscalls.size(); ++i) {
    const SeccompEntry& entry = profile.syscalls[i];
    const bool plain = entry.action == SCMP_ACT_ALLOW && entry.args.empty() &&
                       entry.includes.caps.empty() && entry.includes.arches.empty() &&
                       !entry.includes.has_min_kernel && entry.excludes.caps.empty() &&
                       entry.excludes.arches.empty() && !entry.excludes.has_min_kernel;
    if (!plain) {
      *err = "syscalls[" + std::to_string(i) +
             "] is not a plain SCMP_ACT_ALLOW list: not a "
             "learned profile (learn into a new file)";
      return false;
    }
    names->insert(entry.names.begin(), entry.names.end());
  }
  return true;
}

std::string SyscallNameFor(uint32_t audit_arch, int nr) {
  uint32_t token = audit_arch;
  if (audit_arch == AUDIT_ARCH_X86_64 && (static_cast<uint32_t>(nr) & kX32SyscallBit) != 0) {
    token = SCMP_ARCH_X32;
  }
  char* name = seccomp_syscall_resolve_num_arch(token, nr);
  if (name == nullptr && token == SCMP_ARCH_X32) {
    name = seccomp_syscall_resolve_num_arch(token, nr & ~static_cast<int>(kX32SyscallBit));
  }
  if (name == nullptr) return "";
  std::string result(name);
  std::free(name);
  return result;
}

SeccompListener::SeccompListener(ListenMode mode, std::string profile_name)
    : mode_(mode), profile_name_(std::move(profile_name)) {}

SeccompListener::~SeccompListener() {
  for (int fd : {sockets_[0], sockets_[1], listener_, dir_fd_, temp_fd_}) {
    if (fd >= 0) close(fd);
  }
}

bool SeccompListener::Open(std::string* err) {
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes_) != 0) {
    *err = ErrnoMessage("seccomp(SECCOMP_GET_NOTIF_SIZES)", errno);
    return false;
  }
  // The kernel writes its own struct size; never less than ours, whichever is newer.
  request_buffer_.assign(std::max<size_t>(sizes_.seccomp_notif, sizeof(seccomp_notif)), 0);
  response_buffer_.assign(std::max<size_t>(sizes_.seccomp_notif_resp, sizeof(seccomp_notif_resp)),
                          0);
  // SOCK_SEQPACKET: the one message arrives whole, and the end of the child reads as EOF.
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets_) != 0) {
    *err = ErrnoMessage("socketpair", errno);
    return false;
  }
  iov_ = {&payload_, sizeof(payload_)};
  message_.msg_iov = &iov_;
  message_.msg_iovlen = 1;
  message_.msg_control = control_;
  message_.msg_controllen = sizeof(control_);
  cmsghdr* header = CMSG_FIRSTHDR(&message_);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  return true;
}

bool SeccompListener::PrepareLearnFile(const std::string& path,
                                       std::vector<std::string> architectures, const Writer& writer,
                                       std::string* err) {
  architectures_ = std::move(architectures);
  path_ = path;
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : path.substr(0, std::max<size_t>(slash, 1));
  base_name_ = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base_name_.empty() || base_name_ == "." || base_name_ == "..") {
    *err = "--seccomp-learn " + path + ": not a file name";
    return false;
  }
  std::string text;
  std::string why;
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    if (!ReadSeccompFile(path, kMaxSeccompProfileBytes, &text, &why) ||
        !ParseLearnedProfile(text, &existing_, &why)) {
      *err = "--seccomp-learn " + path + ": " + why;
      return false;
    }
  } else if (errno != ENOENT) {
    *err = "--seccomp-learn " + ErrnoMessage(path, errno);
    return false;
  }
  // PID 1 chdirs to / and drops its privileges before it writes: it keeps the directory open,
  // and the temporary file, created now, proves the directory takes a new file.
  dir_fd_ = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd_ < 0) {
    *err = "--seccomp-learn " + path + ": " + ErrnoMessage(dir, errno);
    return false;
  }
  // PID 1 holds no capability when it renames: the owner, group or other bits must grant
  // write and search to its uid and gid (ACLs are not read; the end keeps the temporary file
  // if the rename fails anyway).
  struct stat dir_stat {};
  if (fstat(dir_fd_, &dir_stat) == 0) {
    const mode_t bits = dir_stat.st_uid == writer.uid   ? dir_stat.st_mode >> 6
                        : dir_stat.st_gid == writer.gid ? dir_stat.st_mode >> 3
                                                        : dir_stat.st_mode;
    if ((bits & 03) != 03) {
      *err = "--seccomp-learn " + path + ": PID 1 writes it at the end as uid " +
             std::to_string(writer.uid) + " and gid " + std::to_string(writer.gid) +
             " without capabilities, and " + dir +
             " does not let them create files (make it "
             "writable by the program's user)";
      return false;
    }
  }
  temp_name_ = "." + base_name_ + ".hardinit-" + std::to_string(getpid()) + ".tmp";
  // Created as the program's user when hardinit switches to it (setfsuid needs CAP_SETUID,
  // which switching needs anyway; fchown would need CAP_CHOWN, which a container that drops
  // it lacks): PID 1 renames it with that uid, and in a sticky directory (/tmp) only a file's
  // owner may. The fs ids are this thread's alone (no glibc setxid broadcast).
  int saved_fsuid = -1, saved_fsgid = -1;
  if (writer.chown) {
    saved_fsgid = setfsgid(writer.file_gid);
    saved_fsuid = setfsuid(writer.uid);
  }
  temp_fd_ = openat(dir_fd_, temp_name_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int open_errno = errno;
  if (writer.chown) {
    setfsuid(static_cast<uid_t>(saved_fsuid));
    setfsgid(static_cast<gid_t>(saved_fsgid));
  }
  if (temp_fd_ < 0) {
    *err = "--seccomp-learn " + path + ": " + ErrnoMessage(dir + "/" + temp_name_, open_errno);
    return false;
  }
  struct stat temp_stat {};
  if (writer.chown && (fstat(temp_fd_, &temp_stat) != 0 || temp_stat.st_uid != writer.uid)) {
    *err = "--seccomp-learn " + path + ": " + temp_name_ + " could not be created as uid " +
           std::to_string(writer.uid);
    unlinkat(dir_fd_, temp_name_.c_str(), 0);
    return false;
  }
  return true;
}

bool SeccompListener::Receive(std::string* err) {
  close(sockets_[1]);
  sockets_[1] = -1;
  char payload = 0;
  iovec iov{&payload, sizeof(payload)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &iov;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(sockets_[0], &message, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  close(sockets_[0]);
  sockets_[0] = -1;
  if (n < 0) {
    *err = ErrnoMessage("recvmsg(seccomp listener)", errno);
    return false;
  }
  if (n == 0) return true;  // the child ended before its filter
  const cmsghdr* header = CMSG_FIRSTHDR(&message);
  if (header == nullptr || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS ||
      header->cmsg_len != CMSG_LEN(sizeof(int))) {
    *err = "recvmsg(seccomp listener): the child's message carries no fd";
    return false;
  }
  std::memcpy(&listener_, CMSG_DATA(header), sizeof(listener_));
  return true;
}

void SeccompListener::Close() {
  if (listener_ >= 0) close(listener_);
  listener_ = -1;
}

std::string SeccompListener::NameOf(uint32_t arch, int nr) {
  const auto key = std::pair(arch, nr);
  auto it = names_.find(key);
  if (it != names_.end()) return it->second;
  return names_[key] = SyscallNameFor(arch, nr);
}

void SeccompListener::Service() {
  std::fill(request_buffer_.begin(), request_buffer_.end(), 0);
  auto* request = reinterpret_cast<seccomp_notif*>(request_buffer_.data());
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_RECV, request) != 0) {
    // ENOENT: the caller was killed between poll() and here. Anything else: poll() says so
    // again (POLLERR/POLLHUP), and the loop closes the listener.
    if (errno != ENOENT && errno != EINTR) {
      spdlog::debug("ioctl(SECCOMP_IOCTL_NOTIF_RECV): {}", strerrordesc_np(errno));
    }
    return;
  }
  ++notifications_;
  if (mode_ == ListenMode::kLearn) {
    Record(*request);
  } else {
    Deny(*request);
  }
}

void SeccompListener::Record(const seccomp_notif& request) {
  // The answer first: the caller waits for it, the bookkeeping does not need it.
  std::fill(response_buffer_.begin(), response_buffer_.end(), 0);
  auto* response = reinterpret_cast<seccomp_notif_resp*>(response_buffer_.data());
  response->id = request.id;
  response->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, response) != 0 && errno != ENOENT) {
    spdlog::debug("ioctl(SECCOMP_IOCTL_NOTIF_SEND): {}", strerrordesc_np(errno));
  }
  seen_.emplace(request.data.arch, request.data.nr);
}

void SeccompListener::Deny(const seccomp_notif& request) {
  uint32_t read_args = 0;
  const uint32_t action = RunBpf(profile_, request.data, &read_args);
  // Only ERRNO returns were turned into notifications; anything else would be a bug here,
  // and fails the call rather than letting it run.
  const bool errno_action = (action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO;
  const int error = errno_action ? static_cast<int>(action & SECCOMP_RET_DATA) : EPERM;
  DeniedCall call;
  call.pid = static_cast<int>(request.pid);
  call.error = error;
  call.name = NameOf(request.data.arch, request.data.nr);
  if (call.name.empty()) call.name = "syscall " + std::to_string(request.data.nr);
  for (unsigned i = 0; i < 6; ++i) {
    if ((read_args >> i & 1U) == 0) continue;
    call.args +=
        (call.args.empty() ? "" : ", ") + FormatCallArg(call.name, i, request.data.args[i]);
  }
  // The name is read while the caller still waits: the pid cannot have been reused if the
  // notification is still valid afterwards (seccomp_unotify(2), SECCOMP_IOCTL_NOTIF_ID_VALID).
  std::string comm;
  ReadFileError read_error;
  if (ReadWholeFile("/proc/" + std::to_string(request.pid) + "/comm", {.limit = 64}, &comm,
                    &read_error)) {
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  }
  uint64_t id = request.id;
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) != 0) comm.clear();
  call.comm = comm.empty() ? "?" : comm;

  std::fill(response_buffer_.begin(), response_buffer_.end(), 0);
  auto* response = reinterpret_cast<seccomp_notif_resp*>(response_buffer_.data());
  response->id = request.id;
  response->error = -error;
  if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, response) != 0 && errno != ENOENT) {
    spdlog::debug("ioctl(SECCOMP_IOCTL_NOTIF_SEND): {}", strerrordesc_np(errno));
  }
  if (!errno_action) {
    spdlog::error(
        "seccomp-log: the profile's program answers {} for a reported call; failed "
        "it with EPERM",
        Hex(action));
  }
  if (!logged_.insert(call.comm + '\0' + call.name).second) return;
  const char* errno_name = strerrorname_np(error);
  const std::string shown = call.name + "(" + call.args + ")";
  LogEvent(LogLevel::kWarn,
           "seccomp profile \"" + profile_name_ + "\" denied " + shown + " to " + call.comm +
               " (pid " + std::to_string(call.pid) +
               "): " + (errno_name != nullptr ? errno_name : std::to_string(error)) +
               " (logged once per program and call)",
           {{"pid", call.pid},
            {"comm", call.comm},
            {"syscall", call.name},
            {"args", call.args},
            {"errno", call.error},
            {"profile", profile_name_}});
}

std::set<std::string> SeccompListener::LearnedNames() const {
  std::set<std::string> names = existing_;
  names.insert({"exit", "exit_group"});  // let through unreported (BuildReportingFilter)
  names.merge(EntrypointCalls());
  for (const auto& [arch, nr] : seen_) {
    auto it = names_.find({arch, nr});
    std::string name = it != names_.end() ? it->second : SyscallNameFor(arch, nr);
    if (name.empty()) {
      spdlog::warn(
          "seccomp-learn: call number {} on arch {} has no name in libseccomp's "
          "tables; it cannot be named in the profile",
          nr, Hex(arch));
      continue;
    }
    names.insert(std::move(name));
  }
  return names;
}

bool SeccompListener::WriteLearnedProfile(std::string* err) {
  const std::set<std::string> names = LearnedNames();
  const std::string text = FormatLearnedProfile(names, architectures_);
  auto fail = [&](const std::string& what, int error) {
    *err = "--seccomp-learn " + path_ + ": " + ErrnoMessage(what, error);
    unlinkat(dir_fd_, temp_name_.c_str(), 0);
    return false;
  };
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = write(temp_fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write " + temp_name_, n < 0 ? errno : EIO);
    done += static_cast<size_t>(n);
  }
  // The data reaches the disk before the name does: a crash leaves the old FILE or the new
  // one, never a truncated one.
  if (fsync(temp_fd_) != 0) return fail("fsync " + temp_name_, errno);
  close(temp_fd_);
  temp_fd_ = -1;
  if (renameat(dir_fd_, temp_name_.c_str(), dir_fd_, base_name_.c_str()) != 0) {
    // The run's result is whole in the temporary file: keep it and say where it is.
    *err = "--seccomp-learn " + path_ + ": " +
           ErrnoMessage("rename " + temp_name_ + " to " + base_name_, errno) +
           "; the learned profile is left in " + temp_name_ + " next to it";
    return false;
  }
  LogEvent(LogLevel::kInfo,
           "seccomp-learn: wrote " + std::to_string(names.size()) + " calls to " + path_ + " (" +
               std::to_string(names.size() - existing_.size()) + " new)",
           {{"calls", static_cast<long long>(names.size())},
            {"new", static_cast<long long>(names.size() - existing_.size())},
            {"path", path_}});
  return true;
}

bool PrepareSeccompListener(const Options& options, const SeccompContext& context,
                            const SeccompListener::Writer& writer, SeccompProgram* program,
                            std::unique_ptr<SeccompListener>* out, std::string* err) {
  if (!options.seccomp_learn && !options.seccomp_log) return true;
  const ListenMode mode = options.seccomp_learn ? ListenMode::kLearn : ListenMode::kLog;
  const std::string flag = options.seccomp_learn ? "--seccomp-learn" : "--seccomp-log";
  if (std::pair(context.kernel_major, context.kernel_minor) <
      std::pair(kListenMinKernelMajor, kListenMinKernelMinor)) {
    *err = flag +
           ": needs Linux 5.5 or later (seccomp user notification with "
           "SECCOMP_USER_NOTIF_FLAG_CONTINUE); this kernel is " +
           std::to_string(context.kernel_major) + "." + std::to_string(context.kernel_minor);
    return false;
  }
  if (mode == ListenMode::kLog && program->unconfined) {
    *err = "--seccomp-log: --seccomp unconfined denies nothing, so there is nothing to log";
    return false;
  }
  auto listener = std::make_unique<SeccompListener>(mode, program->name);
  if (!listener->Open(err)) {
    *err = flag + ": " + *err;
    return false;
  }
  std::vector<sock_filter> filter;
  std::string why;
  if (!BuildReportingFilter(mode, program->filter, context.arch, listener->child_socket(),
                            listener->message(), &filter, &why)) {
    *err = flag + ": " + why;
    return false;
  }
  if (mode == ListenMode::kLearn) {
    std::vector<std::string> arches;
    for (const SeccompArch* arch : SeccompTargetArches(context.arch)) arches.push_back(arch->name);
    if (!listener->PrepareLearnFile(*options.seccomp_learn, std::move(arches), writer, err)) {
      return false;
    }
    program->name = "learn";
    program->unconfined = false;
    program->flags = 0;
  } else {
    listener->SetProfileProgram(std::move(program->filter));
  }
  program->filter = std::move(filter);
  *out = std::move(listener);
  return true;
}

bool PrepareSupervisorListenerSeccomp(const SeccompListener& listener, SeccompProgram* out,
                                      std::string* err) {
  *out = SeccompProgram{};
  out->name = "supervisor";
  SeccompCompileReport report;
  std::string why;
  const SeccompContext context = CurrentSeccompContext(0);
  if (!CompileSeccompRules(SupervisorListenerRules(context.arch, listener.fd(), listener.mode()),
                           &out->filter, &report, &why)) {
    *err = "PID 1's seccomp filter: " + why;
    return false;
  }
  return true;
}

}  // namespace hardinit
