{
  selector(context):: { 'app.oam.dev/component': context.name },
}
