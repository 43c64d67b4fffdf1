from . import quality_signature_wizard
from . import quality_complaint_deadline_reschedule
from . import quality_complaint_close_override
from . import quality_complaint_return
from . import quality_complaint_replacement
from . import quality_complaint_credit_note
from . import quality_complaint_containment
from . import stock_return_picking
