// Whether a lock file lives on a file system only this machine writes to.
//
// Origin-format lock content records no host. On shared storage its pid may be another
// machine's, so it can only be judged by age; but a lock on a local file system can only
// have been written by a process on this machine, so its pid can be checked here like any
// other local holder's (a dead one is then taken over at once, not after the stale age).
//
// Linux only, and by allow-list: a file system type we do not know to be local (NFS, SMB,
// FUSE, 9p, cluster file systems, anything new) counts as not local, which keeps the
// origin's age-only rule. Elsewhere the answer is always "not known to be local".
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

// statfs(2) f_type magic numbers of disk and memory file systems (linux/magic.h).
const LOCAL_FS_TYPES = new Set<number>([
  0xef53, // ext2/3/4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x858458f6, // ramfs
  0x794c7630, // overlayfs (containers, over a local disk)
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
  0x52654973, // reiserfs
  0x3153464a, // jfs
  0xca451a4e, // bcachefs
  0x3434, // nilfs2
  0x4d44, // vfat
  0x2011bab0, // exfat
  0x5346544e, // ntfs
  0x7366746e, // ntfs3
]);

export function isOnLocalFileSystem(path: string): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // The directory: the lock file itself may not exist yet (or any more).
    return LOCAL_FS_TYPES.has(Number(statfsSync(dirname(path)).type));
  } catch {
    return false;
  }
}
