#include "berth.h"

static napi_value init(napi_env env, napi_value exports) {
  register_sendfile(env, exports);
  register_sha256(env, exports);
  register_memory(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
