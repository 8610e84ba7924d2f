// Capability names and masks (design.md §3.2). Zone: parent.
//
// Names come from libcap-ng's table; masks are plain bit sets (bit N = capability N) that
// the child applies with raw capset()/prctl() calls.
#ifndef HARDINIT_CAPS_H_
#define HARDINIT_CAPS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hardinit {

// Parses --cap-keep: comma-separated names, case-insensitive, with or without "CAP_"
// ("NET_BIND_SERVICE", "cap_chown"); "" means none. An unknown name fails. A name the
// running kernel lacks (above last_cap) is reported in *skipped and left out.
bool ParseCapabilityList(std::string_view list, int last_cap, uint64_t* mask,
                         std::vector<std::string>* skipped, std::string* err);

// "CAP_NET_BIND_SERVICE", or "CAP_41" for a number libcap-ng has no name for.
std::string CapabilityName(int cap);

// "CAP_CHOWN,CAP_KILL" or "none".
std::string CapabilityListName(uint64_t mask);

// The highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap), or
// libcap-ng's idea of it when /proc is not there.
int LastCapability();

}  // namespace hardinit

#endif  // HARDINIT_CAPS_H_
