from serverless_study.cli import main

main()
