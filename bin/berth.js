#!/usr/bin/env -S UV_USE_IO_URING=0 MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1
// Settings a registry server needs from its first allocation (README, "Performance"):
// - UV_USE_IO_URING=0: blob file reads and writes go to libuv's thread pool. Through io_uring the
//   kernel copies cached file data inside the submitting call, i.e. on the one JavaScript thread:
//   a profile of blob pushes showed that thread 1.8 × longer in file writes.
// - MALLOC_ARENA_MAX=2: one malloc arena for the main thread and one shared by the others, instead of
//   one per thread, each keeping its own freed memory.
// - MALLOC_MMAP_THRESHOLD_=131072: buffers of 128 KiB and more (file reads and writes of blobs) are
//   mapped and unmapped, never left as holes in the heap; setting it also stops glibc from raising
//   it after the first large free.
// - --max-semi-space-size=1 (MiB): V8's young generation otherwise grows to 2 × 16 MiB; 2 × 1 MiB
//   serves the registry's request paths at about the same throughput.
// `node --max-semi-space-size=16 bin/berth.js` runs without the three variables and overrides the flag.
import '../dist/main.js';
