#pragma once
// A key as the MVCC index holds it: one pointer to a heap block of its length
// and its bytes. A std::string costs 32 bytes in the index's slot and, for a
// key longer than 15 bytes (most keys: "/registry/pods/default/web-0"), a
// heap block besides; a million keys are a million slots (issue #16: memory
// per key), so the slot holds 8 bytes and the heap block is the only copy.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace acord::mvcc {

class PackedKey {
 public:
  PackedKey() = default;
  explicit PackedKey(std::string_view key) : block_(make(key)) {}
  PackedKey(const PackedKey& o) : block_(o.block_ ? make(o.view()) : nullptr) {}
  PackedKey(PackedKey&& o) noexcept : block_(std::exchange(o.block_, nullptr)) {}
  PackedKey& operator=(PackedKey o) noexcept {
    std::swap(block_, o.block_);
    return *this;
  }
  ~PackedKey() { delete[] block_; }

  std::string_view view() const {
    if (block_ == nullptr) return {};
    std::uint32_t size;
    std::memcpy(&size, block_, sizeof size);
    return {block_ + sizeof size, size};
  }
  operator std::string_view() const { return view(); }  // NOLINT: a key reads as its bytes
  std::string str() const { return std::string(view()); }

 private:
  static char* make(std::string_view key) {
    const auto size = static_cast<std::uint32_t>(key.size());
    char* block = new char[sizeof size + key.size()];
    std::memcpy(block, &size, sizeof size);
    std::memcpy(block + sizeof size, key.data(), key.size());
    return block;
  }
  char* block_ = nullptr;
};

// Orders keys by their bytes, and finds them by any string_view.
struct KeyLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a < b; }
};

}  // namespace acord::mvcc
