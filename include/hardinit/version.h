// Version and license text. Zone: parent.
#ifndef HARDINIT_VERSION_H_
#define HARDINIT_VERSION_H_

namespace hardinit {

// The version of tini whose behaviour the tini personality reproduces; Docker parses
// `docker-init --version` as "tini version X - git.Y" (moby parseInitVersion).
inline constexpr char kTiniCompatibleVersion[] = "0.19.0";

// The LICENSE file, embedded at build time (for -l).
extern const char kLicenseText[];

// The commit the binary was built from: git's short hash (with "-dirty" for uncommitted
// changes), or HARDINIT_COMMIT for a build without .git. Generated into the hardinit
// executable only (cmake/build_info.cmake), so a new commit rebuilds no library.
extern const char kBuildCommit[];

}  // namespace hardinit

#endif  // HARDINIT_VERSION_H_
