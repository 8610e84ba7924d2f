// Names of the child's steps, for the parent's messages. Zone: parent.
#include "hardinit/child_error.h"

namespace hardinit {

const char* StepName(Step step) {
  switch (step) {
    case Step::kNone: return "none";
    case Step::kSetProcessGroup: return "setpgid";
    case Step::kForegroundTty: return "tcsetpgrp";
    case Step::kRestoreSignalMask: return "restoring the signal mask";
    case Step::kRestoreSignalDisposition: return "restoring signal dispositions";
    case Step::kCloexecFds: return "marking file descriptors close-on-exec";
    case Step::kDropBoundingSet: return "prctl(PR_CAPBSET_DROP)";
    case Step::kKeepCaps: return "prctl(PR_SET_KEEPCAPS)";
    case Step::kSetGroups: return "setgroups";
    case Step::kSetResGid: return "setresgid";
    case Step::kSetResUid: return "setresuid";
    case Step::kRaiseSetpcap: return "capset(CAP_SETPCAP) for securebits";
    case Step::kLockSecurebits: return "prctl(PR_SET_SECUREBITS)";
    case Step::kSetCapabilities: return "capset";
    case Step::kClearAmbient: return "prctl(PR_CAP_AMBIENT_CLEAR_ALL)";
    case Step::kRaiseAmbient: return "prctl(PR_CAP_AMBIENT_RAISE)";
    case Step::kNoNewPrivs: return "prctl(PR_SET_NO_NEW_PRIVS)";
    case Step::kVerifyUids: return "checking uids";
    case Step::kVerifyGids: return "checking gids";
    case Step::kVerifyGroups: return "checking supplementary groups";
    case Step::kVerifyCapabilities: return "checking capabilities";
    case Step::kVerifyBoundingSet: return "checking the bounding set";
    case Step::kVerifyAmbient: return "checking the ambient set";
    case Step::kVerifySecurebits: return "checking securebits";
    case Step::kVerifyNoNewPrivs: return "checking no_new_privs";
    case Step::kLandlock: return "landlock_restrict_self";
    case Step::kAwaitSupervisor: return "waiting for PID 1's own drop";
    case Step::kLoadSeccomp: return "seccomp(SECCOMP_SET_MODE_FILTER)";
    case Step::kSendListener: return "sendmsg(seccomp listener) to PID 1";
    case Step::kExec: return "execve";
    case Step::kReachedExec: return "write(reached execve) to hardinit";
    case Step::kPrivilegesDropped: return "write(privileges dropped) to hardinit";
  }
  return "unknown step";
}

}  // namespace hardinit
