/* footpod_core: ring buffer, framing and command handling of the reference pod (see footpod_core.h). */
#include "footpod_core.h"

#include <string.h>

static const uint16_t RATES[] = {13, 26, 52, 104, 208, 416, 833, 1000, 1666, 3332};
static const uint8_t ACC_RANGES[] = {2, 4, 8, 16, 32};
static const uint16_t GYR_RANGES[] = {125, 250, 500, 1000, 2000, 4000};

void footpod_init(footpod_state *s, const uint8_t device_id[6], uint8_t placement, const char *firmware) {
    memset(s, 0, sizeof(*s));
    memcpy(s->device_id, device_id, 6);
    s->placement = placement;
    s->firmware = firmware;
    s->odr_hz = 1000;
    s->acc_range_g = 32;
    s->gyr_range_dps = 2000;
    s->battery_pct = 255;
}

void footpod_push(footpod_state *s, uint64_t t_us, const int16_t values[6]) {
    if (!s->streaming) return;
    uint32_t idx = s->next_index++;
    if (s->queued == FOOTPOD_RING) {
        s->dropped++; /* the index still counts it: the host sees the gap */
        return;
    }
    uint32_t slot = (s->head + s->queued) % FOOTPOD_RING;
    memcpy(s->values[slot], values, sizeof(s->values[slot]));
    s->t_us[slot] = t_us;
    s->index[slot] = idx;
    s->queued++;
}

size_t footpod_next_frame(footpod_state *s, uint8_t *out, size_t cap, uint8_t max_samples, int flush) {
    if (!s->streaming || s->queued == 0 || max_samples == 0) return 0;
    /* the run of consecutive samples at the head (a drop ends it) */
    uint32_t first = s->index[s->head];
    uint32_t run = 1;
    while (run < s->queued && run < max_samples && s->index[(s->head + run) % FOOTPOD_RING] == first + run) run++;
    int gap_follows = run < s->queued && run < max_samples;
    if (run < max_samples && !gap_follows && !flush) return 0;
    int16_t samples[255 * 6];
    uint8_t clipped = 0;
    for (uint32_t i = 0; i < run; i++) {
        const int16_t *v = s->values[(s->head + i) % FOOTPOD_RING];
        for (int k = 0; k < 6; k++) {
            samples[6 * i + k] = v[k];
            if (v[k] == 32767 || v[k] == -32768) clipped = 1;
        }
    }
    podwire_data_header h;
    h.flags = (uint8_t)((first != s->next_sent ? PODWIRE_FLAG_OVERFLOW : 0) | (s->resync ? PODWIRE_FLAG_RESYNC : 0) |
                        (clipped ? PODWIRE_FLAG_CLIPPED : 0));
    h.seq = s->seq;
    h.sample_index = first;
    h.t_us = s->t_us[s->head];
    h.odr_hz = s->odr_hz;
    h.acc_range_g = s->acc_range_g;
    h.gyr_range_dps = s->gyr_range_dps;
    size_t len = podwire_encode_data(out, cap, &h, samples, (uint8_t)run);
    if (len == 0) return 0;
    s->seq++;
    s->resync = 0;
    s->head = (s->head + run) % FOOTPOD_RING;
    s->queued -= run;
    s->next_sent = first + run;
    return len;
}

size_t footpod_info_frame(footpod_state *s, uint8_t *out, size_t cap) {
    podwire_info info;
    info.seq = s->seq;
    memcpy(info.device_id, s->device_id, 6);
    info.placement = s->placement;
    info.battery_pct = s->battery_pct;
    info.battery_mv = s->battery_mv;
    info.odr_hz = s->odr_hz;
    info.acc_range_g = s->acc_range_g;
    info.gyr_range_dps = s->gyr_range_dps;
    info.firmware = s->firmware;
    size_t len = podwire_encode_info(out, cap, &info);
    if (len) s->seq++;
    return len;
}

static uint16_t nearest_rate(uint16_t hz) {
    uint16_t best = RATES[0];
    for (size_t i = 0; i < sizeof(RATES) / sizeof(RATES[0]); i++) {
        uint16_t d_best = (uint16_t)(best > hz ? best - hz : hz - best);
        uint16_t d = (uint16_t)(RATES[i] > hz ? RATES[i] - hz : hz - RATES[i]);
        if (d < d_best) best = RATES[i];
    }
    return best;
}

static int valid_acc(uint8_t g) {
    for (size_t i = 0; i < sizeof(ACC_RANGES); i++)
        if (ACC_RANGES[i] == g) return 1;
    return 0;
}

static int valid_gyr(uint16_t dps) {
    for (size_t i = 0; i < sizeof(GYR_RANGES) / sizeof(GYR_RANGES[0]); i++)
        if (GYR_RANGES[i] == dps) return 1;
    return 0;
}

size_t footpod_handle(footpod_state *s, const uint8_t *frame, size_t len, uint8_t *out, size_t cap) {
    podwire_frame f;
    if (podwire_decode(frame, len, &f) != 0 || f.type != PODWIRE_COMMAND) return 0;
    uint8_t payload[PODWIRE_MAX_FW_LEN];
    size_t n = 0;
    uint8_t status = PODWIRE_OK;
    switch (f.command) {
    case PODWIRE_CMD_START:
        if (!s->streaming) {
            s->streaming = 1;
            s->resync = 1;
            s->queued = 0;
            s->next_index = 0;
            s->next_sent = 0;
            s->dropped = 0;
        }
        break;
    case PODWIRE_CMD_STOP:
        s->streaming = 0;
        s->queued = 0;
        for (int i = 0; i < 4; i++) payload[i] = (uint8_t)(s->next_index >> (8 * i));
        n = 4;
        break;
    case PODWIRE_CMD_SET_RATE:
        if (f.payload_len != 2) {
            status = PODWIRE_BAD_ARGUMENT;
        } else if (s->streaming) {
            status = PODWIRE_BUSY;
        } else {
            s->odr_hz = nearest_rate((uint16_t)(f.payload[0] | (f.payload[1] << 8)));
        }
        payload[0] = (uint8_t)(s->odr_hz & 0xFF);
        payload[1] = (uint8_t)(s->odr_hz >> 8);
        n = 2;
        break;
    case PODWIRE_CMD_SET_RANGES: {
        uint16_t dps = f.payload_len == 3 ? (uint16_t)(f.payload[1] | (f.payload[2] << 8)) : 0;
        if (f.payload_len != 3 || !valid_acc(f.payload[0]) || !valid_gyr(dps)) {
            status = PODWIRE_BAD_ARGUMENT;
        } else if (s->streaming) {
            status = PODWIRE_BUSY;
        } else {
            s->acc_range_g = f.payload[0];
            s->gyr_range_dps = dps;
        }
        payload[0] = s->acc_range_g;
        payload[1] = (uint8_t)(s->gyr_range_dps & 0xFF);
        payload[2] = (uint8_t)(s->gyr_range_dps >> 8);
        n = 3;
        break;
    }
    case PODWIRE_CMD_IDENTIFY:
        s->identify_requested = 1;
        break;
    case PODWIRE_CMD_BATTERY:
        payload[0] = s->battery_pct;
        payload[1] = (uint8_t)(s->battery_mv & 0xFF);
        payload[2] = (uint8_t)(s->battery_mv >> 8);
        n = 3;
        break;
    case PODWIRE_CMD_VERSION:
        n = s->firmware ? strlen(s->firmware) : 0;
        if (n > PODWIRE_MAX_FW_LEN) n = PODWIRE_MAX_FW_LEN;
        if (n) memcpy(payload, s->firmware, n);
        break;
    default:
        status = PODWIRE_UNKNOWN_COMMAND;
    }
    return podwire_encode_response(out, cap, f.command, f.seq, status, payload, n);
}
