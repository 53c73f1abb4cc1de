// MySQL Operator InnoDBCluster (mysql.oracle.com): the operator's diagnosis
// in status.cluster.status. ONLINE with every instance online is Healthy;
// a cluster still starting or with instances missing is Progressing; no
// quorum, a split brain or an invalid cluster needs a person (Degraded).
local health = import 'health.libsonnet';

local failed = ['NO_QUORUM', 'NO_QUORUM_UNCERTAIN', 'SPLIT_BRAIN', 'SPLIT_BRAIN_UNCERTAIN', 'INVALID', 'OFFLINE', 'OFFLINE_UNCERTAIN'];

function(object)
  local cluster = health.obj(std.get(health.status(object), 'cluster', {}));
  local state = std.get(cluster, 'status', '');
  local want = health.num(std.get(health.spec(object), 'instances'), 3);
  local online = health.num(std.get(cluster, 'onlineInstances'));
  local counted = health.count(online, want, 'instances online');
  if state == null || state == '' then
    health.progressing('waiting for the MySQL operator to create the cluster')
  else if std.member(failed, state) then
    health.degraded('cluster is ' + state + ': ' + counted)
  else if state == 'ONLINE' && online >= want then
    health.healthy(counted)
  else
    health.progressing('cluster is ' + state + ': ' + counted)
