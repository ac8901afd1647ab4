/*
 * SHA-256 of upload bytes on libuv's thread pool, so the event loop, which on a busy push spends
 * about a quarter of its time hashing, is free for requests. OpenSSL's digest is the one Node's
 * crypto uses: the node binary exports it to addons.
 *
 * A hasher takes one batch of buffers at a time (its owner waits for the callback before the
 * next), so the thread pool never runs two updates of one hash at once, and the buffers, held
 * by a reference until the callback, are not reused while they are read.
 */
#include "berth.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
  EVP_MD_CTX *ctx;
  int busy;     /* main thread only: an update runs on the thread pool */
  int finished; /* main thread only: the digest was taken */
} hasher;

typedef struct {
  const uint8_t *data;
  size_t length;
} slice;

typedef struct {
  hasher *h;
  slice *slices;
  uint32_t count;
  int ok;
  napi_ref handle;   /* the hasher's JS object, alive while the update runs */
  napi_ref buffers;  /* the array of buffers, alive (and unreused) while the update runs */
  napi_ref callback;
  napi_async_work work;
} update;

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static void hasher_gone(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  hasher *h = data;
  EVP_MD_CTX_free(h->ctx);
  free(h);
}

static hasher *hasher_of(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) return NULL;
  return data;
}

/* sha256Create() → a hasher. */
static napi_value create(napi_env env, napi_callback_info info) {
  (void)info;
  hasher *h = calloc(1, sizeof(hasher));
  if (h == NULL) return fail(env, "sha256Create: out of memory");
  h->ctx = EVP_MD_CTX_new();
  if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(h->ctx);
    free(h);
    return fail(env, "sha256Create: could not start a digest");
  }
  napi_value handle;
  if (napi_create_external(env, h, hasher_gone, NULL, &handle) != napi_ok) {
    EVP_MD_CTX_free(h->ctx);
    free(h);
    return fail(env, "sha256Create: could not make a handle");
  }
  return handle;
}

static void run(napi_env env, void *data) {
  (void)env;
  update *u = data;
  u->ok = 1;
  for (uint32_t i = 0; i < u->count && u->ok; i++)
    if (EVP_DigestUpdate(u->h->ctx, u->slices[i].data, u->slices[i].length) != 1) u->ok = 0;
}

static void done(napi_env env, napi_status status, void *data) {
  update *u = data;
  u->h->busy = 0;
  napi_value callback, global, result, error;
  napi_get_reference_value(env, u->callback, &callback);
  napi_get_global(env, &global);
  if (status == napi_ok && u->ok) {
    napi_get_null(env, &error);
  } else {
    napi_value message;
    napi_create_string_utf8(env, "SHA-256 update failed", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
  }
  napi_delete_reference(env, u->handle);
  napi_delete_reference(env, u->buffers);
  napi_delete_reference(env, u->callback);
  napi_delete_async_work(env, u->work);
  free(u->slices);
  free(u);
  napi_call_function(env, global, callback, 1, &error, &result);
}

/*
 * The arguments of a call whose first is a hasher that may take work now; NULL, with an
 * exception thrown, when there are not `want` of them, the first is no hasher, or it is busy
 * or finished.
 */
static hasher *idle_hasher(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != want) {
    fail(env, "wrong number of arguments");
    return NULL;
  }
  hasher *h = hasher_of(env, argv[0]);
  if (h == NULL) fail(env, "not a hasher");
  else if (h->busy || h->finished) fail(env, "the hasher is busy or finished");
  else return h;
  return NULL;
}

/* sha256Update(hasher, buffers, callback): hashes the buffers, in order, off the event loop. */
static napi_value update_async(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  hasher *h = idle_hasher(env, info, 3, argv);
  if (h == NULL) return NULL;
  uint32_t count;
  if (napi_get_array_length(env, argv[1], &count) != napi_ok) return fail(env, "sha256Update: buffers must be an array");

  update *u = calloc(1, sizeof(update));
  if (u == NULL) return fail(env, "sha256Update: out of memory");
  u->slices = calloc(count == 0 ? 1 : count, sizeof(slice));
  if (u->slices == NULL) {
    free(u);
    return fail(env, "sha256Update: out of memory");
  }
  u->h = h;
  u->count = count;
  for (uint32_t i = 0; i < count; i++) {
    napi_value buffer;
    void *bytes;
    size_t length;
    if (napi_get_element(env, argv[1], i, &buffer) != napi_ok || napi_get_buffer_info(env, buffer, &bytes, &length) != napi_ok) {
      free(u->slices);
      free(u);
      return fail(env, "sha256Update: every element must be a Buffer");
    }
    u->slices[i].data = bytes;
    u->slices[i].length = length;
  }
  napi_value name;
  napi_create_string_utf8(env, "berth-sha256", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[0], 1, &u->handle);
  napi_create_reference(env, argv[1], 1, &u->buffers);
  napi_create_reference(env, argv[2], 1, &u->callback);
  if (napi_create_async_work(env, NULL, name, run, done, u, &u->work) != napi_ok || napi_queue_async_work(env, u->work) != napi_ok) {
    napi_delete_reference(env, u->handle);
    napi_delete_reference(env, u->buffers);
    napi_delete_reference(env, u->callback);
    free(u->slices);
    free(u);
    return fail(env, "sha256Update: could not queue the work");
  }
  h->busy = 1;
  return NULL;
}

/* sha256Final(hasher) → the digest, 64 hex characters; the hasher takes nothing more. */
static napi_value final(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  hasher *h = idle_hasher(env, info, 1, argv);
  if (h == NULL) return NULL;
  unsigned char digest[32];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(h->ctx, digest, &length) != 1 || length != 32) return fail(env, "sha256Final: the digest failed");
  h->finished = 1;
  static const char hex[] = "0123456789abcdef";
  char text[64];
  for (int i = 0; i < 32; i++) {
    text[2 * i] = hex[digest[i] >> 4];
    text[2 * i + 1] = hex[digest[i] & 15];
  }
  napi_value result;
  napi_create_string_latin1(env, text, 64, &result);
  return result;
}

void register_sha256(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sha256Create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"sha256Update", NULL, update_async, NULL, NULL, NULL, napi_default, NULL},
      {"sha256Final", NULL, final, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 3, props);
}
