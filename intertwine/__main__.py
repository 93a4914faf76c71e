from .cli.launch import program

program()
