/*
 * Blob downloads by sendfile(2): the kernel moves a file's bytes from the page cache to a
 * socket itself, instead of Node reading them into a buffer and writing that buffer back.
 *
 * Each transfer runs on a small thread of its own, so neither a disk read nor a client that
 * reads slowly ever waits on the event loop or on libuv's thread pool. The thread works on
 * duplicates of the socket and file descriptors: Node may close its own at any time (the
 * client went away) without the number being reused under the thread. Only the main thread
 * closes the duplicates, after the thread has finished, so a cancel never races a close.
 */
#include "berth.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

/* Most bytes one sendfile call moves (Linux moves at most 0x7ffff000 per call anyway). */
#define MAX_CALL_BYTES (1L << 30)
/* How often a thread waiting for the socket to drain looks for a cancel. */
#define POLL_SLICE_MS 100

typedef struct {
  int socket_fd;
  int file_fd;
  off_t offset;
  int64_t remaining;
  int64_t idle_ms;
  int64_t sent;
  int error;
  atomic_int cancelled;
  int finished; /* main thread only */
  int refs;     /* main thread only: the JS handle and the pending completion */
  napi_threadsafe_function done;
} transfer;

static void release(transfer *t) {
  if (--t->refs == 0) free(t);
}

/* Waits until the socket can take more bytes; 0 when it can, else the error to end with. */
static int wait_writable(transfer *t) {
  struct pollfd p = {.fd = t->socket_fd, .events = POLLOUT};
  int64_t waited = 0;
  for (;;) {
    if (atomic_load(&t->cancelled)) return ECANCELED;
    int ready = poll(&p, 1, POLL_SLICE_MS);
    if (ready > 0) return 0; /* writable, or an error the next sendfile reports */
    if (ready < 0 && errno != EINTR) return errno;
    if (ready == 0) {
      waited += POLL_SLICE_MS;
      if (t->idle_ms > 0 && waited >= t->idle_ms) return ETIMEDOUT;
    }
  }
}

static void *run(void *arg) {
  transfer *t = arg;
  while (t->remaining > 0 && t->error == 0) {
    if (atomic_load(&t->cancelled)) {
      t->error = ECANCELED;
      break;
    }
    size_t want = t->remaining > MAX_CALL_BYTES ? MAX_CALL_BYTES : (size_t)t->remaining;
    ssize_t n = sendfile(t->socket_fd, t->file_fd, &t->offset, want);
    if (n > 0) {
      t->remaining -= n;
      t->sent += n;
    } else if (n == 0) {
      t->error = ENODATA; /* the file ended before the range did */
    } else if (errno == EAGAIN) {
      t->error = wait_writable(t);
    } else if (errno != EINTR) {
      t->error = errno;
    }
  }
  napi_call_threadsafe_function(t->done, t, napi_tsfn_blocking);
  napi_release_threadsafe_function(t->done, napi_tsfn_release);
  return NULL;
}

/* On the main thread: closes the duplicates and calls back (error code or 0, bytes sent). */
static void complete(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  transfer *t = data;
  close(t->socket_fd);
  close(t->file_fd);
  t->finished = 1;
  if (env != NULL) {
    napi_value args[2], global, result;
    napi_create_int32(env, t->error, &args[0]);
    napi_create_double(env, (double)t->sent, &args[1]);
    napi_get_global(env, &global);
    napi_call_function(env, global, callback, 2, args, &result);
  }
  release(t);
}

static void handle_gone(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release(data);
}

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* start(socketFd, fileFd, offset, length, idleMs, callback) → a handle for cancel(). */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6) return fail(env, "start takes 6 arguments");
  int32_t socket_fd, file_fd;
  int64_t offset, length, idle_ms;
  if (napi_get_value_int32(env, argv[0], &socket_fd) != napi_ok || napi_get_value_int32(env, argv[1], &file_fd) != napi_ok ||
      napi_get_value_int64(env, argv[2], &offset) != napi_ok || napi_get_value_int64(env, argv[3], &length) != napi_ok ||
      napi_get_value_int64(env, argv[4], &idle_ms) != napi_ok || offset < 0 || length < 0)
    return fail(env, "start: bad arguments");

  transfer *t = calloc(1, sizeof(transfer));
  if (t == NULL) return fail(env, "start: out of memory");
  t->socket_fd = dup(socket_fd);
  t->file_fd = dup(file_fd);
  t->offset = (off_t)offset;
  t->remaining = length;
  t->idle_ms = idle_ms;
  t->refs = 2;
  if (t->socket_fd < 0 || t->file_fd < 0) goto undo;

  napi_value name;
  napi_create_string_utf8(env, "berth-sendfile", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[5], NULL, name, 0, 1, NULL, NULL, NULL, complete, &t->done) != napi_ok) goto undo;

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t thread;
  int started = pthread_create(&thread, &attr, run, t);
  pthread_attr_destroy(&attr);
  if (started != 0) {
    napi_release_threadsafe_function(t->done, napi_tsfn_abort);
    goto undo;
  }

  napi_value handle;
  napi_create_external(env, t, handle_gone, NULL, &handle);
  return handle;

undo:
  if (t->socket_fd >= 0) close(t->socket_fd);
  if (t->file_fd >= 0) close(t->file_fd);
  free(t);
  return fail(env, "start: could not start a transfer");
}

/* cancel(handle): ends a running transfer now and the connection with it; no-op once finished. */
static napi_value cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 || napi_get_value_external(env, argv[0], &data) != napi_ok)
    return fail(env, "cancel takes a handle");
  transfer *t = data;
  if (!t->finished) {
    atomic_store(&t->cancelled, 1);
    /* Wakes a sendfile or poll in progress; the descriptor stays open until complete() runs. */
    shutdown(t->socket_fd, SHUT_RDWR);
  }
  return NULL;
}

void register_sendfile(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sendfileStart", NULL, start, NULL, NULL, NULL, napi_default, NULL},
      {"sendfileCancel", NULL, cancel, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
}
