#include "storage/bbolt_file.hpp"

#include <algorithm>
#include <cstring>

#include "storage/bbolt_format.hpp"

namespace acord::storage {
namespace {

using namespace bbolt;

struct Element {
  std::string key, value;
  std::uint32_t flags = 0;
};

class Writer {
 public:
  explicit Writer(std::uint32_t page_size) : page_size_(page_size) {}

  // A page (and its overflow) of at least `bytes`, zeroed; returns its id.
  std::uint64_t allocate(std::size_t bytes, std::uint16_t flags, std::size_t count) {
    const std::uint64_t id = next_;
    const std::size_t pages = std::max<std::size_t>(1, (bytes + page_size_ - 1) / page_size_);
    next_ += pages;
    out_.resize(next_ * page_size_, '\0');
    const std::size_t at = id * page_size_;
    put_le<std::uint64_t>(out_, at, id);
    put_le<std::uint16_t>(out_, at + 8, flags);
    put_le<std::uint16_t>(out_, at + 10, static_cast<std::uint16_t>(count));
    put_le<std::uint32_t>(out_, at + 12, static_cast<std::uint32_t>(pages - 1));
    return id;
  }

  // A B+tree over sorted elements; returns its root page.
  std::uint64_t tree(const std::vector<Element>& sorted) {
    std::vector<std::pair<std::string, std::uint64_t>> level;  // first key, page
    std::size_t i = 0;
    do {
      const std::size_t begin = i;
      std::size_t bytes = page_header_size;
      while (i < sorted.size() && i - begin < max_elements) {
        const std::size_t add = element_size + sorted[i].key.size() + sorted[i].value.size();
        if (i > begin && bytes + add > page_size_) break;
        bytes += add;
        ++i;
      }
      level.emplace_back(begin < sorted.size() ? sorted[begin].key : std::string(), leaf(sorted, begin, i, bytes));
    } while (i < sorted.size());
    while (level.size() > 1) level = branches(level);
    return level.front().second;
  }

  std::string finish(std::uint64_t root) {
    const std::uint64_t freelist = 2;
    for (std::uint64_t txid = 0; txid < 2; ++txid) {
      const std::size_t at = txid * page_size_;  // meta pages 0 and 1
      const std::size_t m = at + page_header_size;
      put_le<std::uint32_t>(out_, m, magic);
      put_le<std::uint32_t>(out_, m + 4, version);
      put_le<std::uint32_t>(out_, m + 8, page_size_);
      put_le<std::uint32_t>(out_, m + 12, 0);
      put_le<std::uint64_t>(out_, m + 16, root);  // root bucket: page, sequence 0
      put_le<std::uint64_t>(out_, m + 24, 0);
      put_le<std::uint64_t>(out_, m + 32, freelist);
      put_le<std::uint64_t>(out_, m + 40, next_);  // pages in the file
      put_le<std::uint64_t>(out_, m + 48, txid);
      put_le<std::uint64_t>(out_, m + 56, fnv64a(out_.data() + m, meta_checksummed));
    }
    return std::move(out_);
  }

 private:
  std::uint64_t leaf(const std::vector<Element>& e, std::size_t begin, std::size_t end, std::size_t bytes) {
    const std::uint64_t id = allocate(bytes, leaf_page_flag, end - begin);
    const std::size_t at = id * page_size_;
    std::size_t data = at + page_header_size + (end - begin) * element_size;
    for (std::size_t i = begin; i < end; ++i) {
      const std::size_t el = at + page_header_size + (i - begin) * element_size;
      put_le<std::uint32_t>(out_, el, e[i].flags);
      put_le<std::uint32_t>(out_, el + 4, static_cast<std::uint32_t>(data - el));  // from the element
      put_le<std::uint32_t>(out_, el + 8, static_cast<std::uint32_t>(e[i].key.size()));
      put_le<std::uint32_t>(out_, el + 12, static_cast<std::uint32_t>(e[i].value.size()));
      std::memcpy(&out_[data], e[i].key.data(), e[i].key.size());
      data += e[i].key.size();
      std::memcpy(&out_[data], e[i].value.data(), e[i].value.size());
      data += e[i].value.size();
    }
    return id;
  }

  std::vector<std::pair<std::string, std::uint64_t>> branches(
      const std::vector<std::pair<std::string, std::uint64_t>>& children) {
    std::vector<std::pair<std::string, std::uint64_t>> up;
    std::size_t i = 0;
    while (i < children.size()) {
      const std::size_t begin = i;
      std::size_t bytes = page_header_size;
      while (i < children.size() && i - begin < max_elements) {
        const std::size_t add = element_size + children[i].first.size();
        if (i > begin + 1 && bytes + add > page_size_) break;  // bbolt wants two keys a page at least
        bytes += add;
        ++i;
      }
      const std::uint64_t id = allocate(bytes, branch_page_flag, i - begin);
      const std::size_t at = id * page_size_;
      std::size_t data = at + page_header_size + (i - begin) * element_size;
      for (std::size_t k = begin; k < i; ++k) {
        const std::size_t el = at + page_header_size + (k - begin) * element_size;
        put_le<std::uint32_t>(out_, el, static_cast<std::uint32_t>(data - el));
        put_le<std::uint32_t>(out_, el + 4, static_cast<std::uint32_t>(children[k].first.size()));
        put_le<std::uint64_t>(out_, el + 8, children[k].second);
        std::memcpy(&out_[data], children[k].first.data(), children[k].first.size());
        data += children[k].first.size();
      }
      up.emplace_back(children[begin].first, id);
    }
    return up;
  }

  std::uint32_t page_size_;
  std::string out_;
  std::uint64_t next_ = 0;
};

}  // namespace

std::string write_bbolt(const BboltBuckets& buckets, std::uint32_t page_size) {
  Writer w(page_size);
  w.allocate(page_size, meta_page_flag, 0);      // 0
  w.allocate(page_size, meta_page_flag, 0);      // 1
  w.allocate(page_size, freelist_page_flag, 0);  // 2: nothing free
  std::vector<Element> roots;  // the root bucket: one element per bucket
  for (const auto& [name, kvs] : buckets) {
    std::vector<Element> sorted;
    sorted.reserve(kvs.size());
    for (const auto& [k, v] : kvs) sorted.push_back(Element{k, v, 0});
    std::sort(sorted.begin(), sorted.end(), [](const Element& a, const Element& b) { return a.key < b.key; });
    std::string header(16, '\0');  // the bucket's root page, its sequence 0
    put_le<std::uint64_t>(header, 0, w.tree(sorted));
    roots.push_back(Element{name, header, bucket_leaf_flag});
  }
  // std::map iterates the names in order: the root bucket's keys are sorted.
  return w.finish(w.tree(roots));
}

}  // namespace acord::storage
