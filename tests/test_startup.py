"""What the scorer's window costs to start: the export libraries load when something is exported.

openpyxl and ReportLab (with Pillow) add about a quarter of a second and 27 MiB to every start
of the scorer's window when imported at the top of a module it reaches; make bench's
"open batch to interactive window" row showed it once.
"""

import subprocess
import sys


def test_the_scorers_window_starts_without_the_export_libraries():
    probe = (
        "import sys\n"
        "from icg_desk.ui.main_window import MainWindow\n"
        "heavy = ('openpyxl', 'reportlab', 'PIL', 'docx')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == ""
