// Reference foot-pod firmware: LSM6DSO32 -> ring buffer -> podwire frames over USB
// serial (COBS, 0x00-delimited) and BLE notifications.  The protocol logic lives in
// the portable footpod_core.c / podwire.c (host-tested); this file only wires the
// IMU, the transports and the LED.
#include <Adafruit_LSM6DSO32.h>
#include <Arduino.h>
#include <NimBLEDevice.h>
#include <Wire.h>

extern "C" {
#include "footpod_core.h"
#include "podwire.h"
}

static const char *FIRMWARE = "footpod 1.0.0";
static const int LED_PIN = 8;
static const int IMU_INT_PIN = 3;
// podwire service and characteristics (PROTOCOL.md)
static const char *SERVICE_UUID = "7f0a0001-5b1e-4b5e-9a3c-2f6d5c0e1a00";
static const char *DATA_UUID = "7f0a0002-5b1e-4b5e-9a3c-2f6d5c0e1a00";
static const char *COMMAND_UUID = "7f0a0003-5b1e-4b5e-9a3c-2f6d5c0e1a00";

static Adafruit_LSM6DSO32 imu;
static footpod_state pod;
static volatile bool data_ready = false;
static NimBLECharacteristic *data_char = nullptr;
static volatile bool ble_connected = false;
static uint16_t ble_mtu = 23;
static podwire_serial_rx serial_rx;
static uint32_t last_info_ms = 0;

static void IRAM_ATTR on_data_ready() { data_ready = true; }

static void send_serial(const uint8_t *frame, size_t len) {
    static uint8_t cobs[PODWIRE_MAX_SERIAL];
    size_t n = podwire_cobs_encode(frame, len, cobs, sizeof(cobs));
    if (n == 0) return;
    Serial.write(cobs, n);
    Serial.write((uint8_t)0);
}

static void send_frame(const uint8_t *frame, size_t len) {
    send_serial(frame, len);
    // the protocol needs MTU >= 185 (PROTOCOL.md); below it the host gets no BLE data and says why
    if (ble_connected && data_char != nullptr && ble_mtu >= 185) {
        data_char->setValue(frame, len);
        data_char->notify();
    }
}

static void apply_settings() {
    imu.setAccelRange(pod.acc_range_g == 4 ? LSM6DSO32_ACCEL_RANGE_4_G
                      : pod.acc_range_g == 8 ? LSM6DSO32_ACCEL_RANGE_8_G
                      : pod.acc_range_g == 16 ? LSM6DSO32_ACCEL_RANGE_16_G
                                              : LSM6DSO32_ACCEL_RANGE_32_G);
    imu.setGyroRange(pod.gyr_range_dps == 125 ? LSM6DS_GYRO_RANGE_125_DPS
                     : pod.gyr_range_dps == 250 ? LSM6DS_GYRO_RANGE_250_DPS
                     : pod.gyr_range_dps == 500 ? LSM6DS_GYRO_RANGE_500_DPS
                     : pod.gyr_range_dps == 1000 ? LSM6DS_GYRO_RANGE_1000_DPS
                                                 : LSM6DS_GYRO_RANGE_2000_DPS);
    lsm6ds_data_rate_t rate = pod.odr_hz >= 3332 ? LSM6DS_RATE_3_33K_HZ
                              : pod.odr_hz >= 1666 ? LSM6DS_RATE_1_66K_HZ
                              : pod.odr_hz >= 833 ? LSM6DS_RATE_833_HZ
                              : pod.odr_hz >= 416 ? LSM6DS_RATE_416_HZ
                              : pod.odr_hz >= 208 ? LSM6DS_RATE_208_HZ
                                                  : LSM6DS_RATE_104_HZ;
    imu.setAccelDataRate(rate);
    imu.setGyroDataRate(rate);
}

static void handle_command(const uint8_t *frame, size_t len) {
    static uint8_t reply[64];
    uint8_t was_streaming = pod.streaming;
    size_t n = footpod_handle(&pod, frame, len, reply, sizeof(reply));
    if (n) send_frame(reply, n);
    if (!was_streaming) apply_settings();  // rate and range change only while stopped
    if (pod.identify_requested) {
        pod.identify_requested = 0;
        for (int i = 0; i < 6; i++) {
            digitalWrite(LED_PIN, i % 2);
            delay(80);
        }
        uint8_t info[64];
        size_t m = footpod_info_frame(&pod, info, sizeof(info));
        if (m) send_frame(info, m);
    }
}

class CommandCallbacks : public NimBLECharacteristicCallbacks {
    void onWrite(NimBLECharacteristic *c) override {
        std::string v = c->getValue();
        handle_command(reinterpret_cast<const uint8_t *>(v.data()), v.size());
    }
};

class ServerCallbacks : public NimBLEServerCallbacks {
    void onConnect(NimBLEServer *, ble_gap_conn_desc *desc) override {
        ble_connected = true;
        NimBLEDevice::getServer()->updateConnParams(desc->conn_handle, 6, 12, 0, 200);  // 7.5-15 ms
    }
    void onDisconnect(NimBLEServer *) override {
        ble_connected = false;
        ble_mtu = 23;
        NimBLEDevice::startAdvertising();
    }
    void onMTUChange(uint16_t mtu, ble_gap_conn_desc *) override { ble_mtu = mtu; }
};

void setup() {
    Serial.begin(921600);
    pinMode(LED_PIN, OUTPUT);
    uint8_t id[6];
    esp_read_mac(id, ESP_MAC_BT);
    footpod_init(&pod, id, 0, FIRMWARE);
    podwire_serial_rx_init(&serial_rx);
    Wire.begin();
    Wire.setClock(1000000);
    if (!imu.begin_I2C()) {
        for (;;) {  // no IMU: blink fast forever
            digitalWrite(LED_PIN, !digitalRead(LED_PIN));
            delay(100);
        }
    }
    apply_settings();
    imu.configInt1(false, false, true);  // data-ready on INT1
    attachInterrupt(digitalPinToInterrupt(IMU_INT_PIN), on_data_ready, RISING);

    NimBLEDevice::init("footpod");
    NimBLEDevice::setMTU(247);
    NimBLEServer *server = NimBLEDevice::createServer();
    server->setCallbacks(new ServerCallbacks());
    NimBLEService *service = server->createService(SERVICE_UUID);
    data_char = service->createCharacteristic(DATA_UUID, NIMBLE_PROPERTY::NOTIFY);
    NimBLECharacteristic *cmd = service->createCharacteristic(COMMAND_UUID, NIMBLE_PROPERTY::WRITE);
    cmd->setCallbacks(new CommandCallbacks());
    service->start();
    NimBLEAdvertising *adv = NimBLEDevice::getAdvertising();
    adv->addServiceUUID(SERVICE_UUID);
    adv->start();
    Serial.write((uint8_t)0);  // a delimiter first: the host's decoder starts clean
}

void loop() {
    if (data_ready) {
        data_ready = false;
        sensors_event_t a, g, t;
        imu.getEvent(&a, &g, &t);
        // raw counts at the configured ranges
        const float acc_scale = 32768.0f / (pod.acc_range_g * SENSORS_GRAVITY_STANDARD);
        const float gyr_scale = 32768.0f / (pod.gyr_range_dps * (float)DEG_TO_RAD);
        int16_t v[6];
        float f[6] = {a.acceleration.x * acc_scale, a.acceleration.y * acc_scale, a.acceleration.z * acc_scale,
                      g.gyro.x * gyr_scale, g.gyro.y * gyr_scale, g.gyro.z * gyr_scale};
        for (int k = 0; k < 6; k++) v[k] = (int16_t)constrain(lroundf(f[k]), -32768L, 32767L);
        footpod_push(&pod, (uint64_t)esp_timer_get_time(), v);
    }
    // one frame per notification at the negotiated MTU (13 samples at MTU 185, 18 at 247)
    uint8_t per = (ble_connected && ble_mtu >= 185) ? (uint8_t)((ble_mtu - 3 - 24) / 12) : 13;
    static uint8_t frame[PODWIRE_MAX_FRAME];
    size_t n;
    while ((n = footpod_next_frame(&pod, frame, sizeof(frame), per, 0)) != 0) send_frame(frame, n);
    while (Serial.available()) {
        size_t m = podwire_serial_rx_push(&serial_rx, (uint8_t)Serial.read());
        if (m) handle_command(serial_rx.packet, m);
    }
    if (pod.streaming && millis() - last_info_ms > 1000) {
        last_info_ms = millis();
        uint8_t info[64];
        size_t m = footpod_info_frame(&pod, info, sizeof(info));
        if (m) send_frame(info, m);
    }
}
