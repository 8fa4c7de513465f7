// Rows of text printed as an aligned terminal table or as CSV.
#ifndef SLAMON_CTL_TABLE_H_
#define SLAMON_CTL_TABLE_H_

#include <cstdio>
#include <string>
#include <vector>

namespace slamon::ctl {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}

  // A row with as many cells as the header.
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }

  // Columns padded to their widest cell, two spaces apart.
  void PrintAligned(std::FILE* out) const;
  // RFC 4180: cells with a comma, quote or newline are quoted.
  void PrintCsv(std::FILE* out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "87.50%".
std::string Percent(double ratio);

}  // namespace slamon::ctl

#endif  // SLAMON_CTL_TABLE_H_
