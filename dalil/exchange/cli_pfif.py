HELP = "Write missing-person reports and notes as PFIF 1.4 XML."


def add_arguments(parser):
    parser.add_argument("out")


def handle(command, opts):
    raise NotImplementedError
