// Test helpers around hardinit's BPF interpreter (include/hardinit/bpf_interpreter.h), shared
// by the unit tests and the fuzz targets (no gtest here).
#pragma once

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <initializer_list>

#include "hardinit/bpf_interpreter.h"
#include "machine_abi.h"

namespace hardinit {

// A call of this machine's native ABI unless `arch` says otherwise.
inline seccomp_data Call(int nr, std::initializer_list<uint64_t> args = {},
                         uint32_t arch = kNativeAuditArch) {
  seccomp_data data{};
  data.nr = nr;
  data.arch = arch;
  size_t i = 0;
  for (uint64_t arg : args) data.args[i++] = arg;
  return data;
}

}  // namespace hardinit
