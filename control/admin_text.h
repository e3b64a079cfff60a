// ringwayctl's human output for admin replies (proto/admin.proto): the
// live route table, and the stats tables. Pure formatting of protos, so the
// server sends data and each client picks its presentation (`--json`
// prints the protobuf JSON instead).

#ifndef RINGWAY_CONTROL_ADMIN_TEXT_H_
#define RINGWAY_CONTROL_ADMIN_TEXT_H_

#include <string>

#include "proto/admin.pb.h"

namespace ringway::control {

// "version: 3\ncontent_hash: ...\nsource: ...\napplied_at: ...\n
//  listeners: 2\nupstream_groups: 1\n---\n<config>"
std::string RouteTableText(const admin::RouteTable& table);

// Counters by shard and total (one row per counter, in ringway's order),
// then upstream servers, then kTLS by listener (and any server that fell
// back).
std::string StatsText(const admin::Stats& stats);

}  // namespace ringway::control

#endif  // RINGWAY_CONTROL_ADMIN_TEXT_H_
