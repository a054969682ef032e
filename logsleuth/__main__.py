from .cli import main

if __name__ == "__main__":   # guarded: worker processes import this module again
    main()
