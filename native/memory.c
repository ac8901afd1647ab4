/*
 * Gives memory back to the kernel that the process no longer uses.
 *
 * releaseExecutablePages: the pages of the node executable that only starting up used: reading the V8
 * snapshot, linking, compiling the modules. They are clean file pages, so the kernel may drop them
 * and read them again if they are ever needed; until it does, they count in the process's
 * resident memory (about 30 MiB of the node binary's 40 MiB after Berth has started). Pages
 * another process maps too (another node) are left alone by the kernel.
 */
#include "berth.h"

#include <limits.h>
#include <stdbool.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/* releaseExecutablePages() → the bytes of read-only executable mappings advised out (0 where the kernel cannot). */
static napi_value release_executable_pages(napi_env env, napi_callback_info info) {
  (void)info;
  double advised = 0;
  char exe[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
  FILE *maps = length > 0 ? fopen("/proc/self/maps", "r") : NULL;
  if (maps != NULL) {
    exe[length] = '\0';
    char line[PATH_MAX + 128];
    while (fgets(line, sizeof line, maps) != NULL) {
      unsigned long start, end;
      char perms[8];
      char path[PATH_MAX] = "";
      if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095s", &start, &end, perms, path) < 4) continue;
      /* Only the executable's own read-only mappings: never data a write may have touched. */
      if (strcmp(path, exe) != 0 || perms[1] != '-') continue;
      if (madvise((void *)start, end - start, MADV_PAGEOUT) == 0) advised += (double)(end - start);
    }
    fclose(maps);
  }
  napi_value result;
  napi_create_double(env, advised, &result);
  return result;
}

/*
 * trimHeap() → whether malloc gave pages back. Buffers under malloc's mmap threshold (every
 * socket read) live in malloc's heap; once collected, their chunks are free but stay resident, and
 * only the top of the heap is returned on its own. malloc_trim also returns the free pages in
 * between. Under a millisecond for Berth's heap; a no-op (false) where the C library is not glibc.
 */
static napi_value trim_heap(napi_env env, napi_callback_info info) {
  (void)info;
  bool released = false;
#ifdef __GLIBC__
  released = malloc_trim(0) != 0;
#endif
  napi_value result;
  napi_get_boolean(env, released, &result);
  return result;
}

void register_memory(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"releaseExecutablePages", NULL, release_executable_pages, NULL, NULL, NULL, napi_default, NULL},
      {"trimHeap", NULL, trim_heap, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
}
