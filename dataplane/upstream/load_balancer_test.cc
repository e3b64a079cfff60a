#include "dataplane/upstream/load_balancer.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ringway::upstream {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

struct Fixture {
  route::UpstreamGroup group;
  GroupState state;
  std::vector<std::unique_ptr<ServerState>> owned;
  std::vector<ServerState*> servers;

  explicit Fixture(std::vector<uint32_t> weights,
                   route::Balancing balancing = route::Balancing::kRoundRobin) {
    group.balancing = balancing;
    for (size_t i = 0; i < weights.size(); ++i) {
      group.servers.push_back(*address::SocketAddress::Parse(
          "10.0.0." + std::to_string(i + 1) + ":80"));
      group.weights.push_back(weights[i]);
      group.equal_weights = group.equal_weights && weights[i] == weights[0];
      owned.push_back(std::make_unique<ServerState>());
      owned.back()->address = group.servers.back();
      servers.push_back(owned.back().get());
    }
    if (balancing == route::Balancing::kClientAddressHash) {
      group.hash_ring = BuildHashRing(group.servers, group.weights);
    }
  }
  uint32_t Pick(uint64_t now = 0, const sockaddr_storage& client = {}) {
    return PickServer(group, state, servers, client, now);
  }
};

sockaddr_storage Client(uint32_t n) {
  sockaddr_storage s{};
  auto& v4 = reinterpret_cast<sockaddr_in&>(s);
  v4.sin_family = AF_INET;
  v4.sin_addr.s_addr = htonl(0x0a640000 + n);  // 10.100.x.y
  v4.sin_port = htons(static_cast<uint16_t>(1024 + n));
  return s;
}

TEST(LoadBalancerTest, EqualWeightsGoRoundRobin) {
  Fixture f({1, 1, 1});
  EXPECT_EQ(f.Pick(), 0u);
  EXPECT_EQ(f.Pick(), 1u);
  EXPECT_EQ(f.Pick(), 2u);
  EXPECT_EQ(f.Pick(), 0u);
}

TEST(LoadBalancerTest, WeightsSpreadSmoothlyAsNginx) {
  Fixture f({5, 1, 1});
  std::string order;
  for (int i = 0; i < 7; ++i) order += static_cast<char>('a' + f.Pick());
  EXPECT_EQ(order, "aabacaa");
  std::map<uint32_t, int> count;
  for (int i = 0; i < 700; ++i) ++count[f.Pick()];
  EXPECT_EQ(count[0], 500);
  EXPECT_EQ(count[1], 100);
  EXPECT_EQ(count[2], 100);
}

TEST(LoadBalancerTest, LeastConnectionsPerUnitOfWeight) {
  Fixture f({1, 1, 2}, route::Balancing::kLeastConnections);
  f.servers[0]->active_connections = 3;
  f.servers[1]->active_connections = 1;
  f.servers[2]->active_connections = 3;  // 1.5 per unit of weight
  EXPECT_EQ(f.Pick(), 1u);
  f.servers[1]->active_connections = 2;  // 2 per unit: server 2 is lighter
  EXPECT_EQ(f.Pick(), 2u);
  // Ties rotate, so an idle group still spreads.
  for (ServerState* s : f.servers) s->active_connections = 0;
  Fixture g({1, 1, 1}, route::Balancing::kLeastConnections);
  EXPECT_NE(g.Pick(), g.Pick());
}

TEST(LoadBalancerTest, ClientHashKeepsClientsAndMovesOnlyTheRemovedShare) {
  Fixture four({1, 1, 1, 1}, route::Balancing::kClientAddressHash);
  std::map<int, int> load;
  std::vector<std::string> before;
  for (uint32_t c = 0; c < 2000; ++c) {
    uint32_t s = four.Pick(0, Client(c));
    EXPECT_EQ(four.Pick(0, Client(c)), s);  // the same client, the same one
    ++load[s];
    before.push_back(four.group.servers[s].ToString());
  }
  for (const auto& [server, clients] : load) {
    EXPECT_GT(clients, 300) << server;  // about 500 each
    EXPECT_LT(clients, 700) << server;
  }
  // The same group without 10.0.0.3 (so every later index shifts).
  route::UpstreamGroup three = four.group;
  three.servers.erase(three.servers.begin() + 2);
  three.weights.erase(three.weights.begin() + 2);
  three.hash_ring = BuildHashRing(three.servers, three.weights);
  std::vector<ServerState*> servers = {four.servers[0], four.servers[1],
                                       four.servers[3]};
  int moved = 0;
  for (uint32_t c = 0; c < 2000; ++c) {
    uint32_t s = PickServer(three, four.state, servers, Client(c), 0);
    std::string now = three.servers[s].ToString();
    if (before[c] == "10.0.0.3:80") {
      EXPECT_NE(now, "10.0.0.3:80");
      continue;
    }
    if (now != before[c]) ++moved;
  }
  EXPECT_EQ(moved, 0);
}

TEST(LoadBalancerTest, ClientHashSkipsADownServerAndComesBack) {
  Fixture f({1, 1, 1}, route::Balancing::kClientAddressHash);
  f.group.max_fails = 1;
  f.group.fail_timeout_ns = 10 * kSecond;
  uint32_t home = f.Pick(0, Client(7));
  EXPECT_TRUE(RecordFailure(*f.servers[home], f.group, 0));
  EXPECT_NE(f.Pick(kSecond, Client(7)), home);
  EXPECT_EQ(f.Pick(11 * kSecond, Client(7)), home);
}

TEST(LoadBalancerTest, PassiveHealthCountsFailuresWithinTheWindow) {
  Fixture f({1, 1});
  f.group.max_fails = 2;
  f.group.fail_timeout_ns = 10 * kSecond;
  ServerState& s0 = *f.servers[0];
  EXPECT_FALSE(RecordFailure(s0, f.group, 0));
  // The window passed: the count starts again.
  EXPECT_FALSE(RecordFailure(s0, f.group, 11 * kSecond));
  RecordSuccess(s0);
  EXPECT_FALSE(RecordFailure(s0, f.group, 12 * kSecond));
  EXPECT_TRUE(RecordFailure(s0, f.group, 13 * kSecond));  // out of rotation
  EXPECT_FALSE(Available(s0, 14 * kSecond));
  EXPECT_EQ(s0.marked_down, 1u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(f.Pick(14 * kSecond), 1u);
  // After 1 failed, nothing else is up: simply the next in order.
  EXPECT_EQ(NextServerAfter(f.servers, 1, 14 * kSecond), 0u);
  EXPECT_EQ(NextServerAfter(f.servers, 0, 14 * kSecond), 1u);
  EXPECT_TRUE(Available(s0, 23 * kSecond));  // fail_timeout later
  // Every server down: balanced over all, never refused.
  EXPECT_TRUE(RecordFailure(s0, f.group, 30 * kSecond) ||
              RecordFailure(s0, f.group, 30 * kSecond));
  RecordFailure(*f.servers[1], f.group, 30 * kSecond);
  RecordFailure(*f.servers[1], f.group, 30 * kSecond);
  EXPECT_NE(f.Pick(31 * kSecond), f.Pick(31 * kSecond));
}

TEST(LoadBalancerTest, MaxFailsZeroNeverTakesAServerOut) {
  Fixture f({1});
  f.group.max_fails = 0;
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(RecordFailure(*f.servers[0], f.group, 0));
  }
  EXPECT_TRUE(Available(*f.servers[0], 0));
}

TEST(LoadBalancerTest, ClientKeyIgnoresPortAndMapsV4InV6) {
  sockaddr_storage a = Client(5), b = Client(5);
  reinterpret_cast<sockaddr_in&>(b).sin_port = htons(9);
  EXPECT_EQ(HashClientAddress(a), HashClientAddress(b));
  sockaddr_storage mapped{};
  auto& v6 = reinterpret_cast<sockaddr_in6&>(mapped);
  v6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:10.100.0.5", &v6.sin6_addr);
  EXPECT_EQ(HashClientAddress(mapped), HashClientAddress(a));
}

}  // namespace
}  // namespace ringway::upstream
