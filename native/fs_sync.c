/*
 * syncfs(2) for Node, which has fsync for one file but nothing that flushes a filesystem.
 *
 * Why this exists: a whole-cluster `kubetls init` writes hundreds of files and must make
 * them durable twice (the data before the renames, then the renames). One syncfs each time
 * replaces hundreds of fsyncs; without this addon kubetls runs coreutils' `sync -f`, and
 * starting that process costs ~3-4 ms per call from a Node process of this size (two calls
 * were ~8 ms of a ~220 ms 100-node run; bench/RESULTS.md). The call itself blocks the
 * calling thread for as long as the flush takes, exactly as the `sync -f` child did.
 *
 * syncfs(path) -> 0 on success, else the errno of open(2) or syncfs(2); ENAMETOOLONG for a
 * path over PATH_MAX and EINVAL for one with an embedded NUL, both refused before open.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

static napi_value result(napi_env env, int r) {
  napi_value v;
  napi_create_int32(env, r, &v);
  return v;
}

static napi_value sync_fs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[PATH_MAX];
  size_t len = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "syncfs(path: string)");
    return NULL;
  }
  /* a path that filled the buffer may have been cut short: refuse rather than sync another one */
  if (len >= sizeof path - 1) return result(env, ENAMETOOLONG);
  /* an embedded NUL would cut the path short, as Node's own fs functions refuse too */
  if (strlen(path) != len) return result(env, EINVAL);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return result(env, errno);
  int r = syncfs(fd) == 0 ? 0 : errno;
  close(fd);
  return result(env, r);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "syncfs", NAPI_AUTO_LENGTH, sync_fs, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "syncfs", fn) != napi_ok)
    return NULL;
  return exports;
}
