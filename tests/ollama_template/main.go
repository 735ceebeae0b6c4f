// Renders an Ollama TEMPLATE the way Ollama does, for toolschool's tests.
//
// Reads {"template": "...", "cases": [{"modelfile_system": "...", "messages": [...], "tools": [...]}]}
// on stdin (messages and tools in Ollama's /api/chat JSON) and writes {"prompts": [...], "tool_call_tag":
// "..."} on stdout. What it reproduces of Ollama (server/routes.go, template/template.go,
// tools/template.go), written here from reading that code, with the Go standard library only:
//
//   - the Modelfile SYSTEM becomes a leading system message when the first message is not one;
//   - collate: .System is every system message's content joined by "\n\n"; consecutive messages of
//     one role other than "tool" are merged, contents joined by "\n\n";
//   - the template data: System, Messages (Role Content Thinking ToolCalls ToolName ToolCallID; a
//     call's Function.Arguments a plain map), Tools (a tool's Parameters.Properties a plain map of
//     properties: AnyOf Type Items Description Enum Properties Required), Response "", Think false;
//   - text/template with Option("missingkey=zero") and a "json" function that is json.Marshal;
//   - the tag Ollama's tool-call parser looks for: the first non-blank text inside the first
//     {{ if }} on .ToolCalls, cut at "{" and trimmed ("{" when there is none).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"
	"text/template/parse"
)

// propertyType is a JSON Schema "type": a string or a list of strings.
type propertyType []string

func (p *propertyType) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*p = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*p = many
	return nil
}

func (p propertyType) MarshalJSON() ([]byte, error) {
	if len(p) == 1 {
		return json.Marshal(p[0])
	}
	return json.Marshal([]string(p))
}

func (p propertyType) String() string {
	if len(p) == 1 {
		return p[0]
	}
	return fmt.Sprintf("%v", []string(p))
}

// nestedProperties keeps a nested object's properties in their JSON order, as Ollama's ordered map
// does; the template can only print them with json.
type nestedProperties struct{ raw json.RawMessage }

func (n *nestedProperties) UnmarshalJSON(b []byte) error {
	n.raw = append(json.RawMessage(nil), b...)
	return nil
}

func (n nestedProperties) MarshalJSON() ([]byte, error) { return n.raw, nil }

type toolProperty struct {
	AnyOf       []toolProperty    `json:"anyOf,omitempty"`
	Type        propertyType      `json:"type,omitempty"`
	Items       any               `json:"items,omitempty"`
	Description string            `json:"description,omitempty"`
	Enum        []any             `json:"enum,omitempty"`
	Properties  *nestedProperties `json:"properties,omitempty"`
	Required    []string          `json:"required,omitempty"`
}

type templateProperties map[string]toolProperty

func (t templateProperties) String() string {
	if t == nil {
		return "{}"
	}
	b, _ := json.Marshal(map[string]toolProperty(t))
	return string(b)
}

type toolParameters struct {
	Type       string             `json:"type"`
	Defs       any                `json:"$defs,omitempty"`
	Items      any                `json:"items,omitempty"`
	Required   []string           `json:"required,omitempty"`
	Properties templateProperties `json:"properties"`
}

type toolFunction struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Parameters  toolParameters `json:"parameters"`
}

type tool struct {
	Type     string       `json:"type"`
	Items    any          `json:"items,omitempty"`
	Function toolFunction `json:"function"`
}

type templateTools []tool

func (t templateTools) String() string {
	b, _ := json.Marshal([]tool(t))
	return string(b)
}

type templateArgs map[string]any

func (t templateArgs) String() string {
	if t == nil {
		return "{}"
	}
	b, _ := json.Marshal(map[string]any(t))
	return string(b)
}

type callFunction struct {
	Index     int          `json:"index"`
	Name      string       `json:"name"`
	Arguments templateArgs `json:"arguments"`
}

type toolCall struct {
	ID       string       `json:"id,omitempty"`
	Function callFunction `json:"function"`
}

type message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content"`
	Thinking   string     `json:"thinking,omitempty"`
	ToolCalls  []toolCall `json:"tool_calls,omitempty"`
	ToolName   string     `json:"tool_name,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

type renderCase struct {
	ModelfileSystem string        `json:"modelfile_system"`
	Messages        []message     `json:"messages"`
	Tools           templateTools `json:"tools"`
}

type input struct {
	Template string       `json:"template"`
	Cases    []renderCase `json:"cases"`
}

// collate joins the system messages and merges consecutive same-role messages except tool ones.
func collate(msgs []message) (string, []*message) {
	var system []string
	var out []*message
	for i := range msgs {
		if msgs[i].Role == "system" {
			system = append(system, msgs[i].Content)
		}
		if len(out) > 0 && out[len(out)-1].Role == msgs[i].Role && msgs[i].Role != "tool" {
			out[len(out)-1].Content += "\n\n" + msgs[i].Content
		} else {
			out = append(out, &msgs[i])
		}
	}
	return strings.Join(system, "\n\n"), out
}

func render(tmpl *template.Template, c renderCase) (string, error) {
	msgs := c.Messages
	if (len(msgs) == 0 || msgs[0].Role != "system") && c.ModelfileSystem != "" {
		msgs = append([]message{{Role: "system", Content: c.ModelfileSystem}}, msgs...)
	}
	system, collated := collate(msgs)
	var tools templateTools
	if len(c.Tools) > 0 {
		tools = c.Tools
	}
	var b strings.Builder
	err := tmpl.Execute(&b, map[string]any{
		"System":     system,
		"Messages":   collated,
		"Tools":      tools,
		"Response":   "",
		"Think":      false,
		"ThinkLevel": "",
		"IsThinkSet": false,
	})
	return b.String(), err
}

// toolCallsIf is the first {{ if }} whose pipeline names a field ToolCalls.
func toolCallsIf(nodes []parse.Node) *parse.IfNode {
	for _, node := range nodes {
		switch n := node.(type) {
		case *parse.IfNode:
			for _, cmd := range n.Pipe.Cmds {
				for _, arg := range cmd.Args {
					if f, ok := arg.(*parse.FieldNode); ok {
						for _, ident := range f.Ident {
							if ident == "ToolCalls" {
								return n
							}
						}
					}
				}
			}
			if r := toolCallsIf(n.List.Nodes); r != nil {
				return r
			}
			if n.ElseList != nil {
				if r := toolCallsIf(n.ElseList.Nodes); r != nil {
					return r
				}
			}
		case *parse.ListNode:
			if r := toolCallsIf(n.Nodes); r != nil {
				return r
			}
		case *parse.RangeNode:
			if r := toolCallsIf(n.List.Nodes); r != nil {
				return r
			}
			if n.ElseList != nil {
				if r := toolCallsIf(n.ElseList.Nodes); r != nil {
					return r
				}
			}
		case *parse.WithNode:
			if r := toolCallsIf(n.List.Nodes); r != nil {
				return r
			}
			if n.ElseList != nil {
				if r := toolCallsIf(n.ElseList.Nodes); r != nil {
					return r
				}
			}
		}
	}
	return nil
}

// firstText is the first non-blank text, not looking past an action or out of a branch.
func firstText(nodes []parse.Node) *parse.TextNode {
	for _, node := range nodes {
		switch n := node.(type) {
		case *parse.TextNode:
			if strings.TrimSpace(string(n.Text)) != "" {
				return n
			}
		case *parse.IfNode:
			if t := firstText(n.List.Nodes); t != nil {
				return t
			}
			if n.ElseList != nil {
				return firstText(n.ElseList.Nodes)
			}
			return nil
		case *parse.ListNode:
			if t := firstText(n.Nodes); t != nil {
				return t
			}
		case *parse.RangeNode, *parse.WithNode:
			var branch *parse.BranchNode
			if r, ok := n.(*parse.RangeNode); ok {
				branch = &r.BranchNode
			} else {
				branch = &n.(*parse.WithNode).BranchNode
			}
			if t := firstText(branch.List.Nodes); t != nil {
				return t
			}
			if branch.ElseList != nil {
				return firstText(branch.ElseList.Nodes)
			}
			return nil
		case *parse.ActionNode:
			return nil
		}
	}
	return nil
}

func toolCallTag(t *template.Template) string {
	n := toolCallsIf(t.Tree.Root.Nodes)
	if n == nil {
		return "{"
	}
	text := firstText(n.List.Nodes)
	if text == nil {
		return "{"
	}
	tag := strings.ReplaceAll(string(text.Text), "\r\n", "\n")
	if i := strings.Index(tag, "{"); i >= 0 {
		tag = tag[:i]
	}
	if tag = strings.TrimSpace(tag); tag == "" {
		return "{"
	}
	return tag
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "bad input:", err)
		os.Exit(2)
	}
	funcs := template.FuncMap{
		"json": func(v any) string {
			b, _ := json.Marshal(v)
			return string(b)
		},
	}
	tmpl, err := template.New("").Option("missingkey=zero").Funcs(funcs).Parse(in.Template)
	if err != nil {
		fmt.Fprintln(os.Stderr, "template does not parse:", err)
		os.Exit(3)
	}
	out := make([]string, 0, len(in.Cases))
	for i, c := range in.Cases {
		s, err := render(tmpl, c)
		if err != nil {
			fmt.Fprintf(os.Stderr, "case %d: %v\n", i, err)
			os.Exit(4)
		}
		out = append(out, s)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"prompts": out, "tool_call_tag": toolCallTag(tmpl)}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(5)
	}
}
