// Version and license text. Zone: parent.
#ifndef HARDINIT_VERSION_H_
#define HARDINIT_VERSION_H_

namespace hardinit {

// The version of tini whose behaviour the tini personality reproduces; Docker parses
// `docker-init --version` as "tini version X - git.Y" (moby parseInitVersion).
inline constexpr char kTiniCompatibleVersion[] = "0.19.0";

// The LICENSE file, embedded at build time (for -l).
extern const char kLicenseText[];

}  // namespace hardinit

#endif  // HARDINIT_VERSION_H_
