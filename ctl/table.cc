#include "ctl/table.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/check.h"

namespace slamon::ctl {

void Table::AddRow(std::vector<std::string> cells) {
  SLAMON_CHECK(cells.size() == header_.size());
  rows_.push_back(std::move(cells));
}

void Table::PrintAligned(std::FILE* out) const {
  std::vector<size_t> width(header_.size());
  for (size_t c = 0; c < header_.size(); ++c) {
    width[c] = header_[c].size();
    for (const auto& row : rows_) width[c] = std::max(width[c], row[c].size());
  }
  const auto print = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      line += cells[c];
      if (c + 1 < cells.size()) line.append(width[c] - cells[c].size() + 2, ' ');
    }
    std::fprintf(out, "%s\n", line.c_str());
  };
  print(header_);
  for (const auto& row : rows_) print(row);
}

void Table::PrintCsv(std::FILE* out) const {
  const auto print = [out](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) line += ',';
      const std::string& cell = cells[c];
      if (cell.find_first_of(",\"\n") == std::string::npos) {
        line += cell;
      } else {
        line += '"' + absl::StrReplaceAll(cell, {{"\"", "\"\""}}) + '"';
      }
    }
    std::fprintf(out, "%s\n", line.c_str());
  };
  print(header_);
  for (const auto& row : rows_) print(row);
}

std::string Percent(double ratio) { return absl::StrFormat("%.2f%%", ratio * 100); }

}  // namespace slamon::ctl
