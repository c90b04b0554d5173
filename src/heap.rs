//! The process heap, prepared once at start by the binary (never by the
//! library: tests and embedders keep their allocator as it is).
//!
//! A render of the `ha` profile touches about 4.5 MB of heap for the first
//! time, and on a virtual machine each first touch of a 4 KiB page is a
//! page fault of 2 to 3 µs: some 1,100 faults, the largest part of the
//! kernel's share of a run. Backed by transparent huge pages, the same
//! memory costs two 2 MiB faults and a few hundred small ones. glibc does
//! this itself with `glibc.malloc.hugetlb=1`, but only when the
//! environment says so: a program cannot set its own tunables. So the
//! binary asks for it. It tells malloc to grow the heap in large steps and
//! keep what it has, grows it once, and advises the kernel that the first
//! 4 MiB of that region, from a 2 MiB boundary, may use huge pages. Where
//! transparent huge pages are off, the advice is ignored. It is a hint to
//! the kernel and to malloc, never a change of what is allocated or freed,
//! so no result depends on it.

/// Grow the heap in steps this large (address space only: pages are
/// touched, and counted in RSS, when used).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const STEP: usize = 16 << 20;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
const HUGE: usize = 2 << 20;

/// How much of the heap, from its aligned start, may use huge pages: two
/// of them. A render of the `ha` profile touches about 4.5 MB of heap, so
/// this takes nearly all its faults away (1,500 to 480) while peak RSS
/// stays where it was (a huge page is resident whole once touched: with
/// the whole heap advised, three of them put it up by 2 MiB). Beyond it
/// the heap uses ordinary pages, as before.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const HUGE_SPAN: usize = 2 * HUGE;

/// Prepares the heap as described above. Call first thing in `main`,
/// before the heap has grown.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn prepare() {
    // SAFETY: mallopt, sbrk(0) (which only reads the break), malloc and
    // madvise are called with valid arguments; the block malloc returns
    // is never read, written or freed, and madvise(MADV_HUGEPAGE) only
    // changes how the kernel backs pages of the heap, not their contents.
    unsafe {
        // Grow in large steps, give nothing back during the run, and serve
        // blocks of up to 4 MiB from the heap instead of their own mmap
        // (each would fault its pages again after every munmap).
        libc::mallopt(libc::M_TOP_PAD, STEP as libc::c_int);
        libc::mallopt(libc::M_TRIM_THRESHOLD, (4 * STEP) as libc::c_int);
        libc::mallopt(libc::M_MMAP_THRESHOLD, (4 << 20) as libc::c_int);
        let start = libc::sbrk(0) as usize;
        if start == usize::MAX {
            return;
        }
        // A block that ends at the next 2 MiB boundary: the heap grows by
        // STEP to hold it, and what is allocated after it starts aligned.
        // Its pages are never touched beyond malloc's own header.
        let aligned = start.next_multiple_of(HUGE);
        let mut spacer = aligned - start;
        // A short block could come out of the free space left at the top
        // of the heap (glibc's first heap is 132 KiB) without growing it.
        if spacer < 256 << 10 {
            spacer += HUGE;
        }
        // black_box: a block that is never used may otherwise be elided,
        // and the heap would not grow here.
        if std::hint::black_box(libc::malloc(spacer)).is_null() {
            return;
        }
        let end = libc::sbrk(0) as usize;
        let from = (start + spacer).next_multiple_of(HUGE);
        let to = (end - end % HUGE).min(from + HUGE_SPAN);
        if to > from {
            libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE);
        }
    }
}

/// Nothing to prepare where the heap is not glibc's on Linux.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn prepare() {}
