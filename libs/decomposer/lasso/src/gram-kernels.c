/*
 * The solver's hottest loop, gram-kernels.wat's `gradient`, compiled for the machine's own vector units (a Node-API
 * addon). WebAssembly SIMD is two doubles wide; here gcc builds the kernel for AVX-512 (eight), AVX2 (four) and
 * plain x86-64, and the CPU picks one when the addon loads. Each g[j] is computed with the same operations in the
 * same order as in the WebAssembly kernel, and ISO C mode (-std=c11) keeps gcc from fusing them into multiply-adds,
 * so both give bit-identical results. Same arguments as the WebAssembly export: byte offsets into the solver's
 * shared memory, which `bind` was given. Every offset is checked against that memory first, so a bad one throws a
 * RangeError instead of reading outside it.
 *
 * Only the gradient is here: a call does ~10–25 µs of work (50–100 support rows), so the cost of a Node-API call
 * does not show. The triangular solves are shorter and more frequent (~120 per row, under 1 µs each); native, the
 * call overhead made them slower than in WebAssembly, where they stay.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

/* The shared memory the kernels of one `bind` work in: its address and its size when bound. */
typedef struct {
  uint8_t *base;
  int64_t bytes;
} Memory;

/* g = b − Σ_{i<s} w[i]·G[rows[i], :], four support rows per pass so g is loaded and stored once per four. */
CLONES static void gradient_kernel(int stride, const double *gram, const int32_t *rows, const double *w, int s,
                                   const double *b, double *restrict g) {
  memcpy(g, b, (size_t)stride * sizeof(double));
  int i = 0;
  for (; i + 4 <= s; i += 4) {
    const double *r0 = gram + (size_t)rows[i] * stride, *r1 = gram + (size_t)rows[i + 1] * stride;
    const double *r2 = gram + (size_t)rows[i + 2] * stride, *r3 = gram + (size_t)rows[i + 3] * stride;
    const double w0 = w[i], w1 = w[i + 1], w2 = w[i + 2], w3 = w[i + 3];
    for (int j = 0; j < stride; j++) g[j] -= (w0 * r0[j] + w1 * r1[j]) + (w2 * r2[j] + w3 * r3[j]);
  }
  for (; i < s; i++) {
    const double *r0 = gram + (size_t)rows[i] * stride;
    const double w0 = w[i];
    for (int j = 0; j < stride; j++) g[j] -= w0 * r0[j];
  }
}

/* The n int32 arguments of a call, into `out`; false (a TypeError thrown) when one is missing or not a number. */
static int int_args(napi_env env, napi_callback_info info, const char *name, int32_t *out, size_t n, Memory **memory) {
  napi_value argv[8];
  size_t argc = 8;
  void *data;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &data) != napi_ok) return 0;
  *memory = (Memory *)data;
  for (size_t i = 0; i < n; i++)
    if (i >= argc || napi_get_value_int32(env, argv[i], &out[i]) != napi_ok) {
      char message[160];
      snprintf(message, sizeof message, "%s: expected %zu numbers as arguments", name, n);
      napi_throw_type_error(env, NULL, message);
      return 0;
    }
  return 1;
}

/* Whether [offset, offset + bytes) lies in the memory and offset is a multiple of `align`. */
static int inside(const Memory *m, int64_t offset, int64_t bytes, int64_t align) {
  return offset >= 0 && bytes >= 0 && offset % align == 0 && offset + bytes <= m->bytes;
}

static napi_value out_of_range(napi_env env, const char *name) {
  char message[160];
  snprintf(message, sizeof message, "%s: an offset or size lies outside the shared memory", name);
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

/* gradient(stride, gram, rows, w, s, b, g) */
static napi_value gradient(napi_env env, napi_callback_info info) {
  static const char *name = "gradient(stride, gram, rows, w, s, b, g)";
  int32_t a[7];
  Memory *m;
  if (!int_args(env, info, name, a, 7, &m)) return NULL;
  const int64_t stride = a[0], s = a[4], row_bytes = 8 * stride;
  if (stride <= 0 || s < 0 || !inside(m, a[2], 4 * s, 4) || !inside(m, a[3], 8 * s, 8) ||
      !inside(m, a[5], row_bytes, 8) || !inside(m, a[6], row_bytes, 8) || !inside(m, a[1], 0, 8))
    return out_of_range(env, name);
  const int32_t *rows = (const int32_t *)(m->base + a[2]);
  for (int64_t i = 0; i < s; i++)
    if (rows[i] < 0 || !inside(m, a[1] + rows[i] * row_bytes, row_bytes, 8)) return out_of_range(env, name);
  gradient_kernel(a[0], (const double *)(m->base + a[1]), rows, (const double *)(m->base + a[3]), a[4],
                  (const double *)(m->base + a[5]), (double *)(m->base + a[6]));
  return NULL;
}

static void free_memory(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/*
 * bind(memory: Uint8Array) → { gradient } working in that memory (a view of all of it, as it is now). The function
 * keeps the view, so the memory outlives it.
 */
static napi_value bind(napi_env env, napi_callback_info info) {
  napi_value argv[1], result, handle;
  size_t argc = 1;
  napi_typedarray_type type;
  size_t length, offset;
  void *data;
  napi_value buffer;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array || offset != 0) {
    napi_throw_type_error(env, NULL, "bind(memory): expected a Uint8Array over the whole shared memory");
    return NULL;
  }
  Memory *memory = malloc(sizeof(Memory));
  if (memory == NULL) {
    napi_throw_error(env, NULL, "bind(memory): out of memory");
    return NULL;
  }
  memory->base = data;
  memory->bytes = (int64_t)length;
  if (napi_create_external(env, memory, free_memory, NULL, &handle) != napi_ok) {
    free(memory);
    return NULL;
  }
  napi_value fn;
  napi_create_object(env, &result);
  napi_create_function(env, "gradient", NAPI_AUTO_LENGTH, gradient, memory, &fn);
  napi_set_named_property(env, fn, "memory", argv[0]);
  napi_set_named_property(env, fn, "handle", handle);
  napi_set_named_property(env, result, "gradient", fn);
  return result;
}

/* The kernel variant the CPU runs: "avx512", "avx2" or "baseline". */
static napi_value simd(napi_env env, napi_callback_info info) {
  (void)info;
  const char *level = "baseline";
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4"))
    level = "avx512";
  else if (__builtin_cpu_supports("x86-64-v3"))
    level = "avx2";
#endif
  napi_value result;
  napi_create_string_utf8(env, level, NAPI_AUTO_LENGTH, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "bind", NAPI_AUTO_LENGTH, bind, NULL, &fn);
  napi_set_named_property(env, exports, "bind", fn);
  napi_create_function(env, "simd", NAPI_AUTO_LENGTH, simd, NULL, &fn);
  napi_set_named_property(env, exports, "simd", fn);
  return exports;
}
