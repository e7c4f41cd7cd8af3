#pragma once
// CRC-32C (Castagnoli), the checksum etcd's HashKV reports: reflected
// polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF, as Go's
// hash/crc32 computes it with its Castagnoli table. Byte at a time: HashKV is
// an operator's check, not a hot path.
#include <array>
#include <cstdint>
#include <string_view>

namespace acord::mvcc {

class Crc32c {
 public:
  void update(std::string_view bytes) {
    for (unsigned char b : bytes) crc_ = table()[(crc_ ^ b) & 0xFFu] ^ (crc_ >> 8);
  }
  std::uint32_t value() const { return crc_ ^ 0xFFFFFFFFu; }

 private:
  static const std::array<std::uint32_t, 256>& table() {
    static const auto t = [] {
      std::array<std::uint32_t, 256> out{};
      for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        out[i] = c;
      }
      return out;
    }();
    return t;
  }
  std::uint32_t crc_ = 0xFFFFFFFFu;
};

}  // namespace acord::mvcc
