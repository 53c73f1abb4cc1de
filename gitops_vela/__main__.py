from gitops_vela.cli import main

raise SystemExit(main())
