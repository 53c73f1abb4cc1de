// Helpers for health policies: function(object) {healthy, degraded?, message}.
// Used by the health library (catalog/health/) and open to any definition's
// healthPolicy: `local health = import 'health.libsonnet';`.
{
  // A field that may be absent or null, as an object.
  obj(value):: if value == null then {} else value,

  // A field that may be absent, null or not a list, as a list.
  list(value):: if std.isArray(value) then value else [],
  // A count that may be absent, null or malformed, as a number.
  num(value, default=0):: if std.isNumber(value) then value else default,

  status(object):: self.obj(std.get(object, 'status', {})),
  spec(object):: self.obj(std.get(object, 'spec', {})),

  conditions(object)::
    [c for c in self.list(std.get(self.status(object), 'conditions')) if std.isObject(c)],

  // The condition of a type, or null.
  condition(object, type)::
    local found = [c for c in self.conditions(object) if std.get(c, 'type') == type];
    if std.length(found) > 0 then found[0] else null,

  is(object, type, status)::
    local found = self.condition(object, type);
    found != null && std.toString(std.get(found, 'status')) == status,

  // "Reason: message", what a person needs to act on a condition.
  text(found, default)::
    if found == null then default
    else
      local reason = std.get(found, 'reason', '');
      local message = std.get(found, 'message', '');
      local r = if reason == null then '' else reason;
      local m = if message == null then '' else self.oneLine(message);
      if r != '' && m != '' then r + ': ' + m
      else if m != '' then m
      else if r != '' then r
      else default,

  // Controllers' messages may span lines; a status message is one line.
  oneLine(text):: std.join(' ', [w for w in std.split(std.strReplace(std.strReplace(std.toString(text), '\t', ' '), '\n', ' '), ' ') if w != '']),

  // The controller has not yet seen the latest spec.
  pending(object)::
    local generation = std.get(self.obj(std.get(object, 'metadata', {})), 'generation');
    local observed = std.get(self.status(object), 'observedGeneration');
    generation != null && observed != null && std.isNumber(observed) && observed < generation,

  healthy(message=''):: { healthy: true, message: message },
  progressing(message):: { healthy: false, message: message },
  degraded(message):: { healthy: false, degraded: true, message: message },

  // "2/3 replicas updated"
  count(have, want, what):: std.toString(have) + '/' + std.toString(want) + ' ' + what,
}
