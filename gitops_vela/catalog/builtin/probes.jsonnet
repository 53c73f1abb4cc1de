// probes: liveness, readiness and startup probes of one container.
// A probe runs `command` when given, else an HTTP GET of `path`, else a TCP
// connect; the port defaults to the container's first port.
local vela = import 'vela.libsonnet';

function(parameter, context)
  local output = context.output;
  local name = vela.containerName(output, context, parameter.containerName);
  local defaultPort = vela.firstPort(output, name);
  local probe(kind, p) =
    local port =
      if std.objectHas(p, 'port') then p.port
      else if defaultPort != null then defaultPort
      else error 'probes: ' + kind + ': ' + name + ' has no container port: set port';
    (
      if std.objectHas(p, 'command') then { exec: { command: p.command } }
      else if std.objectHas(p, 'path') then { httpGet: { path: p.path, port: port } + vela.opt(p, 'scheme') }
      else { tcpSocket: { port: port } }
    )
    + vela.opt(p, 'initialDelaySeconds')
    + vela.opt(p, 'periodSeconds')
    + vela.opt(p, 'timeoutSeconds')
    + vela.opt(p, 'failureThreshold')
    + vela.opt(p, 'successThreshold');
  local kinds = ['liveness', 'readiness', 'startup'];
  {
    patch: vela.patchContainer(output, name, {
      [k + 'Probe']: probe(k, parameter[k])
      for k in kinds
      if std.objectHas(parameter, k)
    }),
    outputs: {},
  }
