module toolschool/ollama_template

go 1.19
