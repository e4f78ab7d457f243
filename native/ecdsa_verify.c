/*
 * ECDSA signature verification for public keys seen once (CSR self-signatures on the
 * signing server), through the OpenSSL that Node itself links and exports.
 *
 * Why this exists: node:crypto can only verify with a KeyObject, and every way of making
 * one from an EC public key (JWK, SPKI DER, WebCrypto raw) runs OpenSSL 3.0's full
 * public-key check, which multiplies the point by the group order (a second scalar
 * multiplication), and converts the legacy key to a provider key on first use. For a key
 * used once that is ~130 us on top of the ~70 us verification itself (measured on the
 * project's 2-core machine; see bench/RESULTS.md). Here the point is decoded with
 * EC_POINT_oct2point, which rejects points that are not on the curve; for the NIST prime
 * curves (cofactor 1) a point on the curve is in the prime-order group, so that is the whole
 * validation (Go's crypto/ecdsa does the same). ECDSA_verify then parses the DER signature
 * strictly and verifies it over the caller's digest.
 *
 * No secret ever passes through this file: inputs are a public key, a digest and a
 * signature. One EC_KEY and one EC_POINT per curve are kept per Node environment (worker
 * threads each get their own), so nothing is shared between threads.
 *
 * verify(curve, point, digest, signature) -> 1 valid, 0 invalid, -1 the point is not a
 * valid public key on that curve. curve: 0 P-256, 1 P-384, 2 P-521.
 */
#include <node_api.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <stdlib.h>

#define CURVES 3
static const int NIDS[CURVES] = { NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1 };
/* field size in bytes: bounds the encoded point */
static const size_t FIELD[CURVES] = { 32, 48, 66 };

typedef struct {
  EC_KEY *key[CURVES];
  EC_POINT *point[CURVES];
} state;

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  state *s = data;
  for (int i = 0; i < CURVES; i++) {
    EC_POINT_free(s->point[i]);
    EC_KEY_free(s->key[i]);
  }
  free(s);
}

static int buffer_arg(napi_env env, napi_value v, const unsigned char **data, size_t *len) {
  bool is;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is) return 0;
  void *p;
  if (napi_get_buffer_info(env, v, &p, len) != napi_ok) return 0;
  *data = p;
  return 1;
}

static napi_value result(napi_env env, int r) {
  napi_value out;
  napi_create_int32(env, r, &out);
  return out;
}

static napi_value verify(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  void *inst = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || napi_get_instance_data(env, &inst) != napi_ok || !inst) {
    napi_throw_error(env, NULL, "ecdsa_verify: no instance state");
    return NULL;
  }
  state *s = inst;
  int32_t curve = -1;
  const unsigned char *point, *digest, *sig;
  size_t point_len, digest_len, sig_len;
  if (argc != 4 || napi_get_value_int32(env, argv[0], &curve) != napi_ok || curve < 0 || curve >= CURVES ||
      !buffer_arg(env, argv[1], &point, &point_len) || !buffer_arg(env, argv[2], &digest, &digest_len) ||
      !buffer_arg(env, argv[3], &sig, &sig_len)) {
    napi_throw_type_error(env, NULL, "ecdsa_verify: verify(curve 0..2, point, digest, signature) takes three Buffers");
    return NULL;
  }
  /* bounds keep the int casts below exact and hostile sizes cheap */
  if (point_len == 0 || point_len > 1 + 2 * FIELD[curve]) return result(env, -1);
  if (digest_len == 0 || digest_len > 64 || sig_len == 0 || sig_len > 256) return result(env, 0);
  if (!s->key[curve]) {
    EC_KEY *k = EC_KEY_new_by_curve_name(NIDS[curve]);
    EC_POINT *p = k ? EC_POINT_new(EC_KEY_get0_group(k)) : NULL;
    if (!k || !p) {
      EC_KEY_free(k);
      ERR_clear_error();
      napi_throw_error(env, NULL, "ecdsa_verify: OpenSSL could not set up the curve");
      return NULL;
    }
    s->key[curve] = k;
    s->point[curve] = p;
  }
  EC_KEY *key = s->key[curve];
  int r = -1;
  if (EC_POINT_oct2point(EC_KEY_get0_group(key), s->point[curve], point, point_len, NULL) == 1 &&
      !EC_POINT_is_at_infinity(EC_KEY_get0_group(key), s->point[curve]) &&
      EC_KEY_set_public_key(key, s->point[curve]) == 1) {
    r = ECDSA_verify(0, digest, (int)digest_len, sig, (int)sig_len, key) == 1 ? 1 : 0;
  }
  /* leave no error behind for the next node:crypto call on this thread */
  ERR_clear_error();
  return result(env, r);
}

NAPI_MODULE_INIT() {
  state *s = calloc(1, sizeof(state));
  if (!s || napi_set_instance_data(env, s, finalize, NULL) != napi_ok) {
    free(s);
    napi_throw_error(env, NULL, "ecdsa_verify: out of memory");
    return NULL;
  }
  napi_value fn;
  if (napi_create_function(env, "verify", NAPI_AUTO_LENGTH, verify, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "verify", fn) != napi_ok)
    return NULL;
  return exports;
}
