// k8s-objects: Kubernetes objects passed through unchanged, written inline
// (`objects`) or read from YAML files in the repository (`files`: the
// renderer replaces the paths with the documents parsed from them).
// The first object is the workload; the others are its outputs, keyed by
// kind, namespace and name so the keys stay stable when objects are added or removed.
function(parameter, context)
  local all = parameter.objects + parameter.files;
  local key(obj) =
    std.asciiLower(obj.kind) + '/'
    + (if std.objectHas(obj.metadata, 'namespace') then obj.metadata.namespace + '/' else '')
    + obj.metadata.name;
  if std.length(all) == 0 then
    error 'k8s-objects: ' + context.name + ' has no objects: set `objects` or `files`'
  else {
    output: all[0],
    outputs: { [key(obj)]: obj for obj in all[1:] },
  }
