from .launch import program

program()
