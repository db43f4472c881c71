/* Test shim: flat entry points over the podwire C codec for ctypes (tests/test_podwire.py). */
#include <string.h>

#include "podwire.h"

/* fields: type flags command seq sample_index t_us odr acc_g gyr_dps count placement
 *         battery_pct battery_mv fw_len status payload_len (16 values)
 * values: count x 6 (or 9) samples; bytes: device_id (6) then firmware or payload. */
int shim_decode(const uint8_t *buf, size_t len, int64_t *fields, int16_t *values, size_t cap_values,
                uint8_t *bytes, size_t cap_bytes) {
    podwire_frame f;
    int rc = podwire_decode(buf, len, &f);
    if (rc != 0) return rc;
    int64_t v[16] = {f.type, f.flags, f.command, f.seq, f.sample_index, (int64_t)f.t_us, f.odr_hz, f.acc_range_g,
                     f.gyr_range_dps, f.count, f.placement, f.battery_pct, f.battery_mv, f.fw_len, f.status,
                     (int64_t)f.payload_len};
    memcpy(fields, v, sizeof(v));
    if (f.type == PODWIRE_DATA) {
        size_t per = (f.flags & PODWIRE_FLAG_MAG) ? 9u : 6u;
        if ((size_t)f.count * per > cap_values) return -100;
        for (size_t i = 0; i < f.count; i++)
            for (size_t k = 0; k < per; k++) values[i * per + k] = podwire_sample(&f, i, k);
    }
    memcpy(bytes, f.device_id, 6);
    const uint8_t *tail = f.type == PODWIRE_INFO ? f.fw : f.payload;
    size_t tail_len = f.type == PODWIRE_INFO ? f.fw_len : f.payload_len;
    if (tail_len + 6 > cap_bytes) return -101;
    if (tail_len) memcpy(bytes + 6, tail, tail_len);
    return 0;
}

size_t shim_encode_data(uint8_t *out, size_t cap, uint8_t flags, uint16_t seq, uint32_t sample_index, uint64_t t_us,
                        uint16_t odr_hz, uint8_t acc_g, uint16_t gyr_dps, const int16_t *samples, uint8_t count) {
    podwire_data_header h = {flags, seq, sample_index, t_us, odr_hz, acc_g, gyr_dps};
    return podwire_encode_data(out, cap, &h, samples, count);
}

size_t shim_encode_info(uint8_t *out, size_t cap, uint16_t seq, const uint8_t *device_id, uint8_t placement,
                        uint8_t pct, uint16_t mv, uint16_t odr, uint8_t acc_g, uint16_t gyr_dps, const char *fw) {
    podwire_info info;
    info.seq = seq;
    memcpy(info.device_id, device_id, 6);
    info.placement = placement;
    info.battery_pct = pct;
    info.battery_mv = mv;
    info.odr_hz = odr;
    info.acc_range_g = acc_g;
    info.gyr_range_dps = gyr_dps;
    info.firmware = fw;
    return podwire_encode_info(out, cap, &info);
}

/* Feed bytes through the serial receiver; concatenate each decoded packet into out as
 * [u16 length][packet]; returns the bytes written. */
size_t shim_serial_rx(const uint8_t *in, size_t len, uint8_t *out, size_t cap, uint32_t *dropped) {
    static podwire_serial_rx rx;
    podwire_serial_rx_init(&rx);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        size_t m = podwire_serial_rx_push(&rx, in[i]);
        if (m && o + 2 + m <= cap) {
            out[o] = (uint8_t)(m & 0xFF);
            out[o + 1] = (uint8_t)(m >> 8);
            memcpy(out + o + 2, rx.packet, m);
            o += 2 + m;
        }
    }
    *dropped = rx.dropped;
    return o;
}
