#include "dataplane/upstream/local_routes.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ringway::upstream {
namespace {

const sockaddr_storage kClient{};

address::SocketAddress Addr(const std::string& text) {
  return *address::SocketAddress::Parse(text);
}

std::shared_ptr<const route::RouteSnapshot> Table(
    const std::vector<std::pair<std::string, std::vector<std::string>>>&
        groups) {
  auto snapshot = std::make_shared<route::RouteSnapshot>();
  for (const auto& [name, servers] : groups) {
    route::UpstreamGroup group;
    group.name = name;
    for (const std::string& s : servers) {
      group.servers.push_back(Addr(s));
      group.weights.push_back(1);
    }
    snapshot->groups.push_back(std::move(group));
  }
  return snapshot;
}

TEST(LocalRoutesTest, RoundRobinWalksTheGroupsServers) {
  UpstreamRegistry registry;
  LocalRoutes routes(Table({{"g", {"10.0.0.1:80", "10.0.0.2:80"}}}), &registry);
  EXPECT_EQ(routes.PickServer(0, kClient, 0), 0u);
  EXPECT_EQ(routes.PickServer(0, kClient, 0), 1u);
  EXPECT_EQ(routes.PickServer(0, kClient, 0), 0u);
}

TEST(LocalRoutesTest, ShardsStartAtDifferentServers) {
  UpstreamRegistry registry(/*first_server=*/1);
  LocalRoutes routes(Table({{"g", {"10.0.0.1:80", "10.0.0.2:80"}}}), &registry);
  EXPECT_EQ(routes.PickServer(0, kClient, 0), 1u);
}

TEST(LocalRoutesTest, StateOfServersThatStaySurvivesASwap) {
  UpstreamRegistry registry;
  auto old_routes = std::make_unique<LocalRoutes>(
      Table({{"g", {"10.0.0.1:80", "10.0.0.2:80"}}}), &registry);
  old_routes->server(0, 0)->connect_failures = 3;
  old_routes->server(0, 1)->active_connections = 7;
  EXPECT_EQ(old_routes->PickServer(0, kClient, 0), 0u);
  // The new table drops 10.0.0.1, keeps 10.0.0.2 (now first), adds .3.
  LocalRoutes new_routes(Table({{"g", {"10.0.0.2:80", "10.0.0.3:80"}}}),
                         &registry);
  EXPECT_EQ(new_routes.server(0, 0)->active_connections, 7u);
  EXPECT_EQ(new_routes.server(0, 0), old_routes->server(0, 1));
  EXPECT_EQ(new_routes.server(0, 1)->active_connections, 0u);
  // The group's round-robin cursor carries over too.
  EXPECT_EQ(new_routes.PickServer(0, kClient, 0), 1u);
  EXPECT_EQ(registry.server_count(), 3u);
  // The old table's last connection closed: only its own servers go.
  old_routes.reset();
  EXPECT_EQ(registry.server_count(), 2u);
  EXPECT_EQ(registry.FindServer(Addr("10.0.0.1:80")), nullptr);
  ASSERT_NE(registry.FindServer(Addr("10.0.0.2:80")), nullptr);
  EXPECT_EQ(registry.FindServer(Addr("10.0.0.2:80"))->active_connections, 7u);
  EXPECT_EQ(registry.group_count(), 1u);
}

TEST(LocalRoutesTest, GroupsAreKeyedByNameAndDroppedWithTheirLastTable) {
  UpstreamRegistry registry;
  auto first = std::make_unique<LocalRoutes>(
      Table({{"a", {"10.0.0.1:80"}}, {"b", {"10.0.0.1:80"}}}), &registry);
  // One server shared by two groups is one entry.
  EXPECT_EQ(registry.server_count(), 1u);
  EXPECT_EQ(first->server(0, 0), first->server(1, 0));
  LocalRoutes second(Table({{"b", {"[::1]:80"}}}), &registry);
  first.reset();
  EXPECT_EQ(registry.FindGroup("a"), nullptr);
  EXPECT_NE(registry.FindGroup("b"), nullptr);
  EXPECT_EQ(registry.server_count(), 1u);
  EXPECT_NE(registry.FindServer(Addr("[::1]:80")), nullptr);
}

}  // namespace
}  // namespace ringway::upstream
