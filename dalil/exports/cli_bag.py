HELP = "Write a BagIt evidence package (RFC 8493) of a case, a collection or a query."


def add_arguments(parser):
    parser.add_argument("out")


def handle(command, opts):
    raise NotImplementedError
