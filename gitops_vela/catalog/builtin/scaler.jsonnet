// scaler: a fixed number of replicas.
function(parameter, context)
  {
    patch: { spec+: { replicas: parameter.replicas } },
    outputs: {},
  }
