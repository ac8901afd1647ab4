/* Berth's native module: what Node offers no way to do as well from JavaScript. */
#ifndef BERTH_NATIVE_H
#define BERTH_NATIVE_H

#define NAPI_VERSION 8
#include <node_api.h>

/* sendfileStart, sendfileCancel: blob downloads by sendfile(2) (sendfile.c). */
void register_sendfile(napi_env env, napi_value exports);
/* sha256Create, sha256Update, sha256Final: upload digests off the event loop (sha256.c). */
void register_sha256(napi_env env, napi_value exports);
/* releaseExecutablePages, trimHeap: resident memory the process no longer uses, given back (memory.c). */
void register_memory(napi_env env, napi_value exports);

#endif
