/* footpod_core: the board-independent part of the reference pod firmware.
 *
 * The IMU driver pushes samples into a ring buffer (from its data-ready interrupt or
 * the main loop); the transport pulls finished podwire frames out of it.  When the
 * transport falls behind and the ring is full, new samples are dropped, the sample
 * index still counts them, and the next frame carries PODWIRE_FLAG_OVERFLOW: the host
 * sees exactly which samples are missing.  Commands from the host are answered here.
 * No allocation, no board calls: tests/test_footpod_core.py runs it on the host.
 */
#ifndef FOOTPOD_CORE_H
#define FOOTPOD_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "podwire.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef FOOTPOD_RING
#define FOOTPOD_RING 512u /* samples: 0.5 s at 1 kHz */
#endif

typedef struct {
    int16_t values[FOOTPOD_RING][6];
    uint64_t t_us[FOOTPOD_RING];
    uint32_t index[FOOTPOD_RING]; /* each queued sample's running index */
    uint32_t next_index;  /* running index of the next sample the IMU delivers */
    uint32_t next_sent;   /* running index the next frame should start at */
    uint32_t head;        /* ring slot of the oldest queued sample */
    uint32_t queued;      /* samples in the ring */
    uint32_t dropped;     /* samples dropped because the ring was full, since start */
    uint8_t resync;       /* the next frame is the first after start */
    uint8_t streaming;
    uint16_t seq;
    uint16_t odr_hz;
    uint8_t acc_range_g;
    uint16_t gyr_range_dps;
    uint8_t device_id[6];
    uint8_t placement;
    uint8_t battery_pct;
    uint16_t battery_mv;
    const char *firmware;
    uint8_t identify_requested; /* the board blinks its LED and clears this */
} footpod_state;

void footpod_init(footpod_state *s, const uint8_t device_id[6], uint8_t placement, const char *firmware);
/* One IMU sample (acc x y z, gyr x y z, raw int16 at the current ranges) taken at t_us. */
void footpod_push(footpod_state *s, uint64_t t_us, const int16_t values[6]);
/* Write the next data frame of up to max_samples samples into out; 0 when fewer than
 * max_samples are queued (unless flush), when not streaming, or if it does not fit. */
size_t footpod_next_frame(footpod_state *s, uint8_t *out, size_t cap, uint8_t max_samples, int flush);
/* Handle one decoded-or-not command frame; writes the response frame, returns its
 * length (0 for bytes that are not a valid command frame: they get no answer). */
size_t footpod_handle(footpod_state *s, const uint8_t *frame, size_t len, uint8_t *out, size_t cap);
size_t footpod_info_frame(footpod_state *s, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
