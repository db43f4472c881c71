/* Test shim: the reference pod's core behind flat functions for ctypes (tests/test_footpod_core.py). */
#include "footpod_core.h"

static footpod_state pod;

void fp_init(const uint8_t *id, uint8_t placement, const char *fw) { footpod_init(&pod, id, placement, fw); }
void fp_push(uint64_t t_us, const int16_t *v) { footpod_push(&pod, t_us, v); }
size_t fp_next(uint8_t *out, size_t cap, uint8_t max_samples, int flush) {
    return footpod_next_frame(&pod, out, cap, max_samples, flush);
}
size_t fp_handle(const uint8_t *in, size_t len, uint8_t *out, size_t cap) {
    return footpod_handle(&pod, in, len, out, cap);
}
size_t fp_info(uint8_t *out, size_t cap) { return footpod_info_frame(&pod, out, cap); }
uint32_t fp_dropped(void) { return pod.dropped; }
uint32_t fp_ring(void) { return FOOTPOD_RING; }
