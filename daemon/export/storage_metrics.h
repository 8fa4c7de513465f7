// slamon_storage_* metrics: the write-ahead log, snapshots, and what the last
// start recovered, rendered from the journal's figures at scrape time.
#ifndef SLAMON_DAEMON_EXPORT_STORAGE_METRICS_H_
#define SLAMON_DAEMON_EXPORT_STORAGE_METRICS_H_

#include "daemon/export/exposition.h"
#include "daemon/storage/journal.h"

namespace slamon::exporter {

void RenderStorage(const storage::Journal& journal, const storage::RecoveryReport& recovery, Exposition& out);

}  // namespace slamon::exporter

#endif  // SLAMON_DAEMON_EXPORT_STORAGE_METRICS_H_
