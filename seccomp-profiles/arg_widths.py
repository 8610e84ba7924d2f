#!/usr/bin/env python3
"""Generates src/seccomp_arg_widths.cc: how many bits of each system call argument the kernel
reads, for the arguments it reads as less than 64 bits.

The kernel's syscall entry (__se_sys_NAME in include/linux/syscalls.h) casts every register
to the type the prototype declares (__SC_CAST), so an `int family` is the low 32 bits of the
register whatever its high half holds. A seccomp filter that compares all 64 bits can then be
stepped around with high bits set (CVE-2019-10063 for ioctl; issue 12 for socket). The
compiler (src/seccomp_compact.cc) compares only the bits listed here.

Source: include/linux/syscalls.h of Linux 6.12, as Debian ships it in
linux-headers-6.12.107+deb12-common (6.12.107-1~deb12u1, bookworm-security), plus
arch/riscv/include/asm/syscall.h of the same package, plus the few definitions in
EXTRA below, which live in .c files that package does not carry. Regenerate with

  apt-get download linux-headers-6.12.107+deb12-common
  dpkg-deb -x linux-headers-6.12.107+deb12-common_*.deb x
  python3 seccomp-profiles/arg_widths.py \\
      x/usr/src/linux-headers-6.12.107+deb12-common > src/seccomp_arg_widths.cc

Only the 64-bit ABIs need the table (x86_64, aarch64, riscv64): on i386, arm and x32 every
argument is 32 bits already and the compiler compares 32 bits at most. Prototypes are
matched to libseccomp's names as sys_NAME -> NAME, with the renames in RENAMES.
"""
import re
import sys

# Types, by what the LP64 kernel casts the register to.
BITS = {
    # 16 bits
    'umode_t': 16, 'unsigned short': 16, 'u16': 16, '__u16': 16, 'old_uid_t': 16,
    'old_gid_t': 16,
    # 32 bits
    'int': 32, 'unsigned': 32, 'unsigned int': 32, 'signed int': 32, 'u32': 32, '__u32': 32,
    's32': 32, '__s32': 32, 'uint32_t': 32, 'pid_t': 32, 'uid_t': 32, 'gid_t': 32,
    'clockid_t': 32, 'timer_t': 32, 'key_serial_t': 32, 'key_t': 32, 'mqd_t': 32,
    'qid_t': 32, 'rwf_t': 32, 'enum landlock_rule_type': 32,
    # 64 bits
    'long': 64, 'unsigned long': 64, 'size_t': 64, 'ssize_t': 64, 'loff_t': 64, 'off_t': 64,
    'u64': 64, '__u64': 64, 'aio_context_t': 64, 'cap_user_header_t': 64,
    'cap_user_data_t': 64, '__sighandler_t': 64, 'old_sigset_t': 64, 'uintptr_t': 64,
}

# Kernel function -> libseccomp name, where they differ (x86_64 and the generic table).
RENAMES = {
    'umount': 'umount2', 'oldumount': 'umount', 'newstat': 'stat', 'newlstat': 'lstat',
    'newfstat': 'fstat', 'newuname': 'uname', 'llseek': '_llseek', 'mmap_pgoff': 'mmap2',
    'sendfile64': 'sendfile',
}

# Calls with #ifdef variants that no 64-bit ABI has (x86_64, aarch64 and riscv64 have only
# the rt_ versions).
NOT_ON_LP64 = {'sigsuspend'}

# Definitions outside the headers (name: (widths, where)).
EXTRA = {
    # kernel/fork.c: clone's flags are `unsigned long`, but the kernel uses
    # lower_32_bits(clone_flags) for both the flags and the exit signal (a fix of May 2020,
    # in stable kernels from 5.3 on); the flags are arg 0 on x86_64, arm64 and riscv64.
    'clone': ([32, 64, 64, 64, 64, 64], 'kernel/fork.c SYSCALL_DEFINE5(clone, ...)'),
    'arch_prctl': ([32, 64], 'arch/x86/kernel/process_64.c SYSCALL_DEFINE2(arch_prctl, int, '
                             'option, unsigned long, arg2)'),
    'iopl': ([32], 'arch/x86/kernel/ioport.c SYSCALL_DEFINE1(iopl, unsigned int, level)'),
    'modify_ldt': ([32, 64, 64], 'arch/x86/kernel/ldt.c SYSCALL_DEFINE3(modify_ldt, int, func, '
                                 'void __user *, ptr, unsigned long, bytecount)'),
}


def param_bits(param):
    param = re.sub(r'\b(__user|const|volatile|struct|union)\b', ' ', param)
    if '*' in param or '(' in param:
        return 64
    words = param.split()
    # "int fd" / "unsigned int" / "enum landlock_rule_type rule_type": try the longest type
    # prefix first, so that "unsigned int flags" is not read as "unsigned".
    for n in range(len(words), 0, -1):
        candidate = ' '.join(words[:n])
        if candidate in BITS:
            return BITS[candidate]
    raise SystemExit('unknown parameter type: %r' % param)


# Preprocessor conditions that are false on every 64-bit ABI; any other condition keeps both
# branches, and a conflict between them stops the script.
FALSE_ON_64BIT = ('CONFIG_ARCH_SPLIT_ARG64', 'BITS_PER_LONG == 32')


def lp64_lines(text):
    """The lines a 64-bit build compiles, as far as FALSE_ON_64BIT can tell."""
    stack = []  # per #if: True (keep), False (drop), None (unknown: keep)
    kept = []
    for line in text.splitlines():
        directive = line.strip()
        if directive.startswith('#if'):
            stack.append(False if any(c in directive for c in FALSE_ON_64BIT) else None)
        elif directive.startswith('#elif'):
            stack[-1] = None
        elif directive.startswith('#else'):
            stack[-1] = True if stack[-1] is False else None
        elif directive.startswith('#endif'):
            stack.pop()
        elif all(state is not False for state in stack):
            kept.append(line)
    return '\n'.join(kept)


def prototypes(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = lp64_lines(text)
    for name, params in re.findall(r'asmlinkage\s+long\s+sys_(\w+)\s*\(([^;]*?)\)\s*;', text,
                                   flags=re.S):
        params = ' '.join(params.split())
        if params in ('', 'void'):
            yield name, []
            continue
        yield name, [param_bits(p) for p in params.split(',')]


def main():
    root = sys.argv[1]
    table = {}
    for path in ('include/linux/syscalls.h', 'arch/riscv/include/asm/syscall.h'):
        with open(root + '/' + path) as f:
            for name, bits in prototypes(f.read()):
                name = RENAMES.get(name, name)
                if name in EXTRA or name in NOT_ON_LP64:
                    continue
                if name in table and table[name] != bits:
                    # #ifdef variants (clone's argument orders) must be settled in EXTRA.
                    raise SystemExit('conflicting prototypes for %s: %s, %s' %
                                     (name, table[name], bits))
                table[name] = bits
    for name, (bits, _) in EXTRA.items():
        table[name] = bits
    out = sys.stdout
    out.write('// Generated by seccomp-profiles/arg_widths.py from Linux 6.12\'s\n'
              '// include/linux/syscalls.h (Debian linux-headers-6.12.107+deb12-common) and the\n'
              '// definitions the script lists. Do not edit: regenerate.\n'
              '#include "hardinit/seccomp_arg_widths.h"\n\n'
              'namespace hardinit {\n\n'
              '// Sorted by name; only calls with an argument narrower than 64 bits.\n'
              'const SyscallArgWidths kSyscallArgWidths[] = {\n')
    count = 0
    for name in sorted(table):
        bits = table[name] + [64] * (6 - len(table[name]))
        if all(b == 64 for b in bits):
            continue
        out.write('    {"%s", {%s}},\n' % (name, ', '.join(str(b) for b in bits)))
        count += 1
    out.write('};\n\nconst size_t kSyscallArgWidthsCount = %d;\n\n}  // namespace hardinit\n' %
              count)


if __name__ == '__main__':
    main()
