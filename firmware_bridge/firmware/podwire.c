/* podwire reference codec (see podwire.h and firmware_bridge/PROTOCOL.md). */
#include "podwire.h"

#include <string.h>

uint16_t podwire_crc16(const uint8_t *data, size_t len) {
    uint16_t crc = 0xFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (int b = 0; b < 8; b++) {
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}

static void put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t get32(const uint8_t *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint64_t get64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static size_t finish(uint8_t *out, size_t n) {
    put16(out + n, podwire_crc16(out, n));
    return n + PODWIRE_CRC_SIZE;
}

size_t podwire_encode_data(uint8_t *out, size_t cap, const podwire_data_header *h, const int16_t *samples,
                           uint8_t count) {
    size_t values = (h->flags & PODWIRE_FLAG_MAG) ? 9u : 6u;
    size_t n = PODWIRE_DATA_HEADER + (size_t)count * values * 2u;
    if (count == 0 || n + PODWIRE_CRC_SIZE > cap) return 0;
    out[0] = (uint8_t)((PODWIRE_VERSION << 4) | PODWIRE_DATA);
    out[1] = (uint8_t)(h->flags & 0x0Fu);
    put16(out + 2, h->seq);
    put32(out + 4, h->sample_index);
    put64(out + 8, h->t_us);
    put16(out + 16, h->odr_hz);
    out[18] = h->acc_range_g;
    put16(out + 19, h->gyr_range_dps);
    out[21] = count;
    for (size_t i = 0; i < (size_t)count * values; i++) put16(out + PODWIRE_DATA_HEADER + 2u * i, (uint16_t)samples[i]);
    return finish(out, n);
}

size_t podwire_encode_info(uint8_t *out, size_t cap, const podwire_info *info) {
    size_t fw_len = info->firmware ? strlen(info->firmware) : 0;
    if (fw_len > PODWIRE_MAX_FW_LEN) fw_len = PODWIRE_MAX_FW_LEN;
    size_t n = PODWIRE_INFO_HEADER + fw_len;
    if (n + PODWIRE_CRC_SIZE > cap) return 0;
    out[0] = (uint8_t)((PODWIRE_VERSION << 4) | PODWIRE_INFO);
    out[1] = 0;
    put16(out + 2, info->seq);
    memcpy(out + 4, info->device_id, 6);
    out[10] = info->placement;
    out[11] = info->battery_pct;
    put16(out + 12, info->battery_mv);
    put16(out + 14, info->odr_hz);
    out[16] = info->acc_range_g;
    put16(out + 17, info->gyr_range_dps);
    out[19] = (uint8_t)fw_len;
    if (fw_len) memcpy(out + PODWIRE_INFO_HEADER, info->firmware, fw_len);
    return finish(out, n);
}

static size_t encode_cmd(uint8_t *out, size_t cap, uint8_t type, uint8_t command, uint16_t seq, int with_status,
                         uint8_t status, const uint8_t *payload, size_t payload_len) {
    size_t head = 4u + (with_status ? 1u : 0u);
    size_t n = head + payload_len;
    if (n + PODWIRE_CRC_SIZE > cap) return 0;
    out[0] = (uint8_t)((PODWIRE_VERSION << 4) | type);
    out[1] = command;
    put16(out + 2, seq);
    if (with_status) out[4] = status;
    if (payload_len) memcpy(out + head, payload, payload_len);
    return finish(out, n);
}

size_t podwire_encode_command(uint8_t *out, size_t cap, uint8_t command, uint16_t seq, const uint8_t *payload,
                              size_t payload_len) {
    return encode_cmd(out, cap, PODWIRE_COMMAND, command, seq, 0, 0, payload, payload_len);
}

size_t podwire_encode_response(uint8_t *out, size_t cap, uint8_t command, uint16_t seq, uint8_t status,
                               const uint8_t *payload, size_t payload_len) {
    return encode_cmd(out, cap, PODWIRE_RESPONSE, command, seq, 1, status, payload, payload_len);
}

int podwire_decode(const uint8_t *buf, size_t len, podwire_frame *f) {
    memset(f, 0, sizeof(*f));
    if (len < 4u + PODWIRE_CRC_SIZE) return PODWIRE_E_LENGTH;
    size_t n = len - PODWIRE_CRC_SIZE;
    if (podwire_crc16(buf, n) != get16(buf + n)) return PODWIRE_E_CRC;
    if ((buf[0] >> 4) != PODWIRE_VERSION) return PODWIRE_E_VERSION;
    f->type = (uint8_t)(buf[0] & 0x0Fu);
    f->seq = get16(buf + 2);
    switch (f->type) {
    case PODWIRE_DATA: {
        if (n < PODWIRE_DATA_HEADER) return PODWIRE_E_LENGTH;
        f->flags = (uint8_t)(buf[1] & 0x0Fu);
        f->sample_index = get32(buf + 4);
        f->t_us = get64(buf + 8);
        f->odr_hz = get16(buf + 16);
        f->acc_range_g = buf[18];
        f->gyr_range_dps = get16(buf + 19);
        f->count = buf[21];
        size_t width = (buf[1] & PODWIRE_FLAG_MAG) ? PODWIRE_MAG_SAMPLE_BYTES : PODWIRE_SAMPLE_BYTES;
        if (f->count == 0 || n != PODWIRE_DATA_HEADER + (size_t)f->count * width) return PODWIRE_E_LENGTH;
        f->samples = buf + PODWIRE_DATA_HEADER;
        return 0;
    }
    case PODWIRE_INFO: {
        if (n < PODWIRE_INFO_HEADER) return PODWIRE_E_LENGTH;
        memcpy(f->device_id, buf + 4, 6);
        f->placement = buf[10];
        f->battery_pct = buf[11];
        f->battery_mv = get16(buf + 12);
        f->odr_hz = get16(buf + 14);
        f->acc_range_g = buf[16];
        f->gyr_range_dps = get16(buf + 17);
        f->fw_len = buf[19];
        if (f->fw_len > PODWIRE_MAX_FW_LEN || n != PODWIRE_INFO_HEADER + f->fw_len || f->placement > 6)
            return PODWIRE_E_LENGTH;
        f->fw = buf + PODWIRE_INFO_HEADER;
        return 0;
    }
    case PODWIRE_COMMAND:
    case PODWIRE_RESPONSE: {
        f->command = buf[1];
        if (f->command < PODWIRE_CMD_START || f->command > PODWIRE_CMD_VERSION) return PODWIRE_E_TYPE;
        size_t head = 4;
        if (f->type == PODWIRE_RESPONSE) {
            if (n < 5 || buf[4] > PODWIRE_BUSY) return PODWIRE_E_LENGTH;
            f->status = buf[4];
            head = 5;
        }
        f->payload = buf + head;
        f->payload_len = n - head;
        return 0;
    }
    default:
        return PODWIRE_E_TYPE;
    }
}

int16_t podwire_sample(const podwire_frame *f, size_t i, size_t v) {
    size_t values = (f->flags & PODWIRE_FLAG_MAG) ? 9u : 6u;
    return (int16_t)get16(f->samples + 2u * (i * values + v));
}

size_t podwire_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap) {
    size_t code_at = 0, o = 1;
    uint8_t code = 1;
    if (cap == 0) return 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == 0) {
            out[code_at] = code;
            code_at = o++;
            code = 1;
        } else {
            if (o >= cap) return 0;
            out[o++] = in[i];
            code++;
            if (code == 0xFF) {
                out[code_at] = code;
                code_at = o++;
                code = 1;
            }
        }
        if (o > cap) return 0;
    }
    out[code_at] = code;
    return o;
}

size_t podwire_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap) {
    size_t i = 0, o = 0;
    while (i < len) {
        uint8_t code = in[i];
        size_t end = i + code;
        if (code == 0 || end > len) return 0;
        for (size_t k = i + 1; k < end; k++) {
            if (in[k] == 0 || o >= cap) return 0;
            out[o++] = in[k];
        }
        i = end;
        if (code != 0xFF && i < len) {
            if (o >= cap) return 0;
            out[o++] = 0;
        }
    }
    return o;
}

void podwire_serial_rx_init(podwire_serial_rx *rx) {
    rx->n = 0;
    rx->dropped = 0;
}

size_t podwire_serial_rx_push(podwire_serial_rx *rx, uint8_t byte) {
    if (byte != 0) {
        if (rx->n < sizeof(rx->raw)) {
            rx->raw[rx->n++] = byte;
        } else {
            rx->n = sizeof(rx->raw) + 1; /* overlong: drop at the next delimiter */
        }
        return 0;
    }
    size_t n = rx->n;
    rx->n = 0;
    if (n == 0) return 0;
    if (n > sizeof(rx->raw)) {
        rx->dropped++;
        return 0;
    }
    size_t m = podwire_cobs_decode(rx->raw, n, rx->packet, sizeof(rx->packet));
    if (m == 0) rx->dropped++;
    return m;
}
