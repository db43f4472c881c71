/* podwire: the foot-pod wire protocol, version 1 (see firmware_bridge/PROTOCOL.md).
 *
 * Portable C99, no allocation, no board dependency: encoders write into caller
 * buffers and return the length written (0 if it does not fit); the decoder checks
 * the CRC and the layout and points into the caller's buffer.  All multi-byte
 * fields are little-endian on the wire whatever the CPU.
 */
#ifndef PODWIRE_H
#define PODWIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PODWIRE_VERSION 1u

enum podwire_type { PODWIRE_DATA = 0, PODWIRE_INFO = 1, PODWIRE_COMMAND = 2, PODWIRE_RESPONSE = 3 };
enum podwire_flag {
    PODWIRE_FLAG_OVERFLOW = 1u, /* the ring buffer dropped samples before this frame */
    PODWIRE_FLAG_RESYNC = 2u,   /* first frame after start / sample index restarted */
    PODWIRE_FLAG_MAG = 4u,      /* samples carry the magnetometer */
    PODWIRE_FLAG_CLIPPED = 8u   /* a sample of this frame is at full scale */
};
enum podwire_command {
    PODWIRE_CMD_START = 1, PODWIRE_CMD_STOP = 2, PODWIRE_CMD_SET_RATE = 3, PODWIRE_CMD_SET_RANGES = 4,
    PODWIRE_CMD_IDENTIFY = 5, PODWIRE_CMD_BATTERY = 6, PODWIRE_CMD_VERSION = 7
};
enum podwire_status { PODWIRE_OK = 0, PODWIRE_UNKNOWN_COMMAND = 1, PODWIRE_BAD_ARGUMENT = 2, PODWIRE_BUSY = 3 };
enum podwire_error {
    PODWIRE_E_LENGTH = -1, PODWIRE_E_CRC = -2, PODWIRE_E_VERSION = -3, PODWIRE_E_TYPE = -4
};

#define PODWIRE_DATA_HEADER 22u
#define PODWIRE_INFO_HEADER 20u
#define PODWIRE_CRC_SIZE 2u
#define PODWIRE_SAMPLE_BYTES 12u
#define PODWIRE_MAG_SAMPLE_BYTES 18u
#define PODWIRE_MAX_FW_LEN 32u
/* a data frame of 255 samples with magnetometer, and its COBS encoding plus delimiter */
#define PODWIRE_MAX_FRAME (PODWIRE_DATA_HEADER + 255u * PODWIRE_MAG_SAMPLE_BYTES + PODWIRE_CRC_SIZE)
#define PODWIRE_MAX_SERIAL (PODWIRE_MAX_FRAME + PODWIRE_MAX_FRAME / 254u + 2u)

typedef struct {
    uint8_t flags;          /* podwire_flag bits; PODWIRE_FLAG_MAG selects 9 values per sample */
    uint16_t seq;
    uint32_t sample_index;  /* the first sample's running index */
    uint64_t t_us;          /* the first sample's device time, microseconds */
    uint16_t odr_hz;
    uint8_t acc_range_g;
    uint16_t gyr_range_dps;
} podwire_data_header;

typedef struct {
    uint16_t seq;
    uint8_t device_id[6];
    uint8_t placement;      /* 0 unknown, 1/2 left/right foot, 3/4 shank, 5/6 thigh */
    uint8_t battery_pct;
    uint16_t battery_mv;
    uint16_t odr_hz;
    uint8_t acc_range_g;
    uint16_t gyr_range_dps;
    const char *firmware;   /* NUL-terminated, at most PODWIRE_MAX_FW_LEN bytes are sent */
} podwire_info;

typedef struct {
    uint8_t type;           /* podwire_type */
    uint8_t flags;          /* data frames */
    uint8_t command;        /* command and response frames */
    uint16_t seq;
    /* data */
    uint32_t sample_index;
    uint64_t t_us;
    uint16_t odr_hz;
    uint8_t acc_range_g;
    uint16_t gyr_range_dps;
    uint8_t count;
    const uint8_t *samples; /* count x 6 (or 9) little-endian int16, see podwire_sample() */
    /* info */
    uint8_t device_id[6];
    uint8_t placement;
    uint8_t battery_pct;
    uint16_t battery_mv;
    uint8_t fw_len;
    const uint8_t *fw;
    /* command / response */
    uint8_t status;
    const uint8_t *payload;
    size_t payload_len;
} podwire_frame;

/* CRC-16/IBM-3740 (CCITT-FALSE): poly 0x1021, init 0xFFFF; crc("123456789") = 0x29B1. */
uint16_t podwire_crc16(const uint8_t *data, size_t len);

/* samples: count x 6 int16 (acc x y z, gyr x y z), or count x 9 with PODWIRE_FLAG_MAG. */
size_t podwire_encode_data(uint8_t *out, size_t cap, const podwire_data_header *h, const int16_t *samples,
                           uint8_t count);
size_t podwire_encode_info(uint8_t *out, size_t cap, const podwire_info *info);
size_t podwire_encode_command(uint8_t *out, size_t cap, uint8_t command, uint16_t seq, const uint8_t *payload,
                              size_t payload_len);
size_t podwire_encode_response(uint8_t *out, size_t cap, uint8_t command, uint16_t seq, uint8_t status,
                               const uint8_t *payload, size_t payload_len);

/* Decode exactly one frame; 0 on success, a negative podwire_error otherwise. */
int podwire_decode(const uint8_t *buf, size_t len, podwire_frame *out);
/* Value v (0..5, or 0..8 with magnetometer) of sample i of a decoded data frame. */
int16_t podwire_sample(const podwire_frame *f, size_t i, size_t v);

/* COBS (no zeros in the output; the caller appends the 0x00 delimiter).  Both return
 * the length written, or 0 if it does not fit / the input is not valid COBS
 * (a decoded packet is never empty for a valid frame). */
size_t podwire_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);
size_t podwire_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/* Serial receiver: push bytes one at a time; returns the decoded (un-COBSed) packet
 * length when a delimiter completes one (the packet is in rx->packet), else 0.
 * Overlong or invalid packets are dropped and counted in rx->dropped. */
typedef struct {
    uint8_t raw[PODWIRE_MAX_SERIAL];
    uint8_t packet[PODWIRE_MAX_FRAME];
    size_t n;
    uint32_t dropped;
} podwire_serial_rx;
void podwire_serial_rx_init(podwire_serial_rx *rx);
size_t podwire_serial_rx_push(podwire_serial_rx *rx, uint8_t byte);

#ifdef __cplusplus
}
#endif

#endif
