from . import test_complaint_numbering
from . import test_complaint_deadlines
from . import test_complaint_escalation
from . import test_complaint_lines
from . import test_complaint_stages
from . import test_complaint_access
from . import test_complaint_flow
