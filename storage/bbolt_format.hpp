#pragma once
// bbolt's on-disk constants and helpers (go.etcd.io/bbolt: page.go, db.go),
// shared by the writer (bbolt_file) and the reader (bbolt_reader). bbolt
// writes its structures in the machine's order; etcd runs on little-endian
// machines, and so does every file acord writes or reads.
#include <cstddef>
#include <cstdint>
#include <string>

namespace acord::storage::bbolt {

constexpr std::uint16_t branch_page_flag = 0x01;
constexpr std::uint16_t leaf_page_flag = 0x02;
constexpr std::uint16_t meta_page_flag = 0x04;
constexpr std::uint16_t freelist_page_flag = 0x10;
constexpr std::uint32_t bucket_leaf_flag = 0x01;
constexpr std::uint32_t magic = 0xED0CDAED;
constexpr std::uint32_t version = 2;
constexpr std::size_t page_header_size = 16;  // id u64, flags u16, count u16, overflow u32
constexpr std::size_t element_size = 16;      // leaf: flags, pos, ksize, vsize; branch: pos, ksize, pgid
constexpr std::size_t meta_checksummed = 56;  // the meta's bytes before its checksum
constexpr std::size_t max_elements = 0xFFFF;  // a page counts its elements in 16 bits

inline std::uint64_t get_le(const std::string& s, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + static_cast<std::size_t>(i)]);
  return v;
}

template <class T>
void put_le(std::string& out, std::size_t at, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out[at + i] = static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xFF);
  }
}

// The meta page's checksum (FNV-64a).
inline std::uint64_t fnv64a(const char* data, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace acord::storage::bbolt
