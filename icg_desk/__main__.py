from icg_desk.cli import main

raise SystemExit(main())
