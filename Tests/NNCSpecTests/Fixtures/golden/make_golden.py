# Writes diagnostics.json and diagnostics.sarif with Python's json module, an
# oracle independent of nnc's JSONWriter. The diagnostics are the ones of
# DiagnosticRendererTests.goldenDiagnostics; rule texts come from
# Sources/NNCSpec/DiagnosticCodes.swift. diagnostics.txt and
# diagnostics.github.txt are written by hand. Run: python3 make_golden.py
import json, os, re
here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
B='specs/bad.yaml'
diags=[
 dict(file=B,line=4,column=26,end=(4,31),severity='warning',code='W0101',message="'image' has no effect: source 'dïgits' is not an image set",notes=[],help='remove the option'),
 dict(file=B,line=10,column=17,end=(10,21),severity='error',code='E0101',message='unknown key \'siez\' in "maxpool" (allowed: size, stride)',notes=[],help="did you mean 'size'?"),
 dict(file=B,line=11,column=7,end=(11,12),severity='error',code='E0301',message="'dense' expects a vector input, got [16, 3, 3]",notes=[dict(message="the input comes from 'maxpool' (line 10) with shape [16, 3, 3]",file=B,line=10,column=7,end=(10,14))],help="insert '- flatten' before this layer"),
 dict(file=B,line=14,column=1,end=(14,2),severity='error',code='E0003',message='tab character in indentation: YAML indents with spaces only',notes=[dict(message='the YAML parser says: found character that cannot start any token',file=None,line=None,column=None)],help='replace the tabs at the start of the line with spaces'),
 dict(file=B,line=14,column=2,end=(16,1),severity='error',code='E0102',message="missing required key 'loss' in 'train'",notes=[],help=None),
 dict(file='specs/empty.yaml',line=None,column=None,severity='error',code='E0004',message='the file holds no YAML document (it is empty or has only comments)',notes=[],help='write at least `nnc: 1` and a `model:` section'),
]
def jd(d):
    return {'file':d['file'],'line':d['line'],'column':d['column'],'severity':d['severity'],'code':d['code'],'message':d['message'],
            'notes':[{'message':n['message'],'file':n['file'],'line':n['line'],'column':n['column']} for n in d['notes']],'help':d['help']}
doc={'files':2,'errors':sum(d['severity']=='error' for d in diags),'warnings':sum(d['severity']=='warning' for d in diags),'diagnostics':[jd(d) for d in diags],'omitted':[],'skipped':[]}
open('diagnostics.json','w').write(json.dumps(doc,ensure_ascii=False,separators=(', ',': '))+'\n')

src=open(os.path.join(here, '../../../../Sources/NNCSpec/DiagnosticCodes.swift')).read()
table={}
for m in re.finditer(r'\.init\(code: "(\w+)", title: "((?:[^"\\]|\\.)*)",\s*explanation: "((?:[^"\\]|\\.)*)",\s*example: "(?:[^"\\]|\\.)*",\s*fix: "((?:[^"\\]|\\.)*)"\)',src):
    un=lambda s: s.encode().decode('unicode_escape').encode('latin1').decode('utf8')
    table[m.group(1)]=(un(m.group(2)),un(m.group(3)),un(m.group(4)))
codes=sorted(set(d['code'] for d in diags))
def rule(c):
    t,e,f=table[c]
    name=''.join(w[:1].upper()+w[1:] for w in re.split(r'[^0-9A-Za-z]+',t) if w)
    return {'id':c,'name':name,'shortDescription':{'text':t},'fullDescription':{'text':e},'help':{'text':f},'defaultConfiguration':{'level':'warning' if c[0]=='W' else 'error'}}
def loc(file,d,end):
    pl={'artifactLocation':{'uri':file}}
    if d['line'] is not None:
        pl['region']={'startLine':d['line'],'startColumn':d['column'],'endLine':end[0],'endColumn':end[1]}
    return {'physicalLocation':pl}
def full(d):
    return '\n'.join([d['message']]+['note: '+n['message'] for n in d['notes']]+(['help: '+d['help']] if d['help'] else []))
results=[]
for d in diags:
    r={'ruleId':d['code'],'ruleIndex':codes.index(d['code']),'level':d['severity'],'message':{'text':full(d)},'locations':[loc(d['file'],d,d.get('end'))]}
    rel=[n for n in d['notes'] if n['file']]
    if rel:
        r['relatedLocations']=[dict(id=i+1,message={'text':n['message']},**loc(n['file'],n,n['end'])) for i,n in enumerate(rel)]
    results.append(r)
log={'$schema':'https://json.schemastore.org/sarif-2.1.0.json','version':'2.1.0','runs':[{'tool':{'driver':{'name':'nnc','informationUri':'https://example.org/nnc','version':'1.2.3','rules':[rule(c) for c in codes]}},'columnKind':'unicodeCodePoints','results':results}]}
open('diagnostics.sarif','w').write(json.dumps(log,ensure_ascii=False,indent=2)+'\n')
