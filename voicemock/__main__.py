from voicemock.cli.main import main

main()
